/// Seeded random changes to a training image that keep the answer to any question about it
/// true: colour jitter (brightness, contrast, saturation) and small shifts. The same seed gives
/// the same output on every machine (the draws come from `SplitMix64`); a data set usually
/// derives each sample's seed from its index and the epoch.
///
/// Horizontal (and vertical) flips are deliberately not offered: they change the answer to
/// left/right (and above/below) questions, so the flipped image would carry a wrong label. Hue
/// shifts are left out too, since they change the answer to "what colour is …?". Rotations and
/// large crops are left out for the same reason (relations and counts).
///
/// Each call draws, in this order and always all five (so that turning one augmentation off
/// does not change the others' draws): the brightness, contrast and saturation factors, each
/// uniform in [max(0, 1 − a), 1 + a] for amplitude `a`, then the horizontal and vertical shifts,
/// each a uniform integer in −`maxShift`…`maxShift`. It then applies, in this fixed order,
/// `adjustBrightness`, `adjustContrast`, `adjustSaturation` (torchvision's formulas, clamped to
/// [0, 1]; torchvision's `ColorJitter` instead shuffles the order per call) and `shift`. An
/// augmentation with amplitude 0 or `maxShift` 0 is skipped, so `ImageAugmentation()` returns
/// its input unchanged.
public struct ImageAugmentation: Codable, Equatable, Sendable {
    /// Amplitude `a` of the brightness factor, drawn in [max(0, 1 − a), 1 + a]; 0 turns it off.
    public var brightness: Float
    /// Amplitude of the contrast factor; 0 turns it off.
    public var contrast: Float
    /// Amplitude of the saturation factor; 0 turns it off.
    public var saturation: Float
    /// The largest shift in pixels along each axis; 0 turns shifting off.
    public var maxShift: Int
    /// What fills the pixels a shift vacates.
    public var shiftFill: ShiftFill

    // Deliberate pattern (same shape as Sources/VQAKit/Training/TrainingHistory.swift:EpochRecord.init and Sources/VQAKit/Models/VQAModelConfiguration.swift:ImageFeatureSettings.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type.
    public init(brightness: Float = 0, contrast: Float = 0, saturation: Float = 0,
                maxShift: Int = 0, shiftFill: ShiftFill = .replicateEdge) {
        precondition(brightness >= 0 && contrast >= 0 && saturation >= 0 && maxShift >= 0,
                     "ImageAugmentation: negative amplitude (brightness \(brightness), contrast \(contrast), saturation \(saturation), maxShift \(maxShift))")
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.maxShift = maxShift
        self.shiftFill = shiftFill
    }

    /// One draw of the random choices.
    public struct Draw: Codable, Equatable, Sendable {
        public var brightness: Float
        public var contrast: Float
        public var saturation: Float
        public var dx: Int
        public var dy: Int

        public init(brightness: Float = 1, contrast: Float = 1, saturation: Float = 1, dx: Int = 0, dy: Int = 0) {
            self.brightness = brightness
            self.contrast = contrast
            self.saturation = saturation
            self.dx = dx
            self.dy = dy
        }
    }

    /// The choices that `seed` makes (see the type's description for the order of the draws).
    public func draw(seed: UInt64) -> Draw {
        var generator = SplitMix64(seed: seed)
        func factor(_ amplitude: Float) -> Float {
            let value = Float(generator.nextDouble(in: max(0, 1 - Double(amplitude))...(1 + Double(amplitude))))
            return amplitude == 0 ? 1 : value
        }
        let brightness = factor(brightness), contrast = factor(contrast), saturation = factor(saturation)
        let dx = generator.nextInt(in: -maxShift...maxShift)
        let dy = generator.nextInt(in: -maxShift...maxShift)
        return Draw(brightness: brightness, contrast: contrast, saturation: saturation, dx: dx, dy: dy)
    }

    /// `planes` changed by the draw of `seed`.
    public func callAsFunction(_ planes: ImagePlanes, seed: UInt64) -> ImagePlanes {
        apply(draw(seed: seed), to: planes)
    }

    /// `planes` changed by `draw`: brightness, contrast, saturation, then the shift, each skipped
    /// when this augmentation turns it off.
    public func apply(_ draw: Draw, to planes: ImagePlanes) -> ImagePlanes {
        var image = planes
        if brightness > 0 { image = adjustBrightness(image, factor: draw.brightness) }
        if contrast > 0 { image = adjustContrast(image, factor: draw.contrast) }
        if saturation > 0 { image = adjustSaturation(image, factor: draw.saturation) }
        if maxShift > 0 && (draw.dx != 0 || draw.dy != 0) {
            image = shift(image, dx: draw.dx, dy: draw.dy, fill: shiftFill)
        }
        return image
    }
}
