import FusionKit

extension Tensor {
    /// Images of one size stacked into a batch [N, C, H, W], in order.
    public init(stacking images: [ImagePlanes]) {
        precondition(!images.isEmpty, "Tensor(stacking:): no images")
        let first = images[0]
        var values: [Float] = []
        values.reserveCapacity(images.count * first.values.count)
        for image in images {
            precondition(image.channels == first.channels && image.height == first.height && image.width == first.width,
                         "Tensor(stacking:): images of \(image.channels)×\(image.height)×\(image.width) and "
                         + "\(first.channels)×\(first.height)×\(first.width) in one batch")
            values += image.values
        }
        self.init(values, shape: [images.count, first.channels, first.height, first.width])
    }
}
