extension Scene: SortOfCLEVRRendering {
    /// Renders the scene into `pixels`, overwriting all of it: 75 × 75 RGB pixels, row by row,
    /// 3 bytes per pixel (HWC, `imageByteCount` bytes).
    ///
    /// The background is white (255, 255, 255). Objects are painted in colour order with their
    /// ``ObjectColor/rgb``, using integer arithmetic only, so a scene renders to the same bytes on
    /// every machine. With `(x, y)` an object's centre, pixel `(px, py)` (column, row) is painted
    /// - for a square when `x - 5 <= px < x + 5` and `y - 5 <= py < y + 5`;
    /// - for a circle when, in addition, its centre `(px + ½, py + ½)` lies within 5 pixels of
    ///   `(x, y)`: `(2(px - x) + 1)² + (2(py - y) + 1)² <= 100`.
    ///
    /// Both shapes are symmetric about `(x, y)`, and the pixel `(x, y)` is always painted.
    /// ``render()`` returns the same bytes in a new array.
    ///
    /// - Precondition: `pixels.count == Scene.imageByteCount`.
    public func render(into pixels: UnsafeMutableBufferPointer<UInt8>) {
        precondition(pixels.count == Scene.imageByteCount,
                     "Scene.render(into:): \(pixels.count) bytes, expected \(Scene.imageByteCount)")
        pixels.update(repeating: 255)
        let half = Scene.objectHalfSize
        let radiusTimesTwoSquared = 4 * half * half
        for object in objects {
            SortOfCLEVRGeneration.paintBox(pixels, imageSize: Scene.imageSize, x: object.x, y: object.y, halfSize: half,
                                           rgb: object.color.rgb) { u, v in
                object.shape == .square || u * u + v * v <= radiusTimesTwoSquared
            }
        }
    }
}
