import FusionKit

/// The image side of every VQA model: a small CNN over the RGB image with two coordinate channels
/// (x and y in [−1, 1], Liu et al. 2018, "An intriguing failing of convolutional neural networks
/// and the CoordConv solution"), each layer a 3×3 convolution, batch norm and ReLU.
///
/// `tokens(_:)` turns the final feature map [B, C, H, W] into one token per cell, [B, H·W, C + 2],
/// each with its cell's centre coordinates appended, so the models that reason over cells know
/// where each one is.
public final class ImageEncoder: Module, UnaryLayer {
    public let convolutions: [Conv2d]
    public let norms: [BatchNorm2d]
    /// The channels of the final feature map.
    public let outputChannels: Int
    private var coordinateCache: (size: Int, planes: Tensor)?
    private var cellCache: (height: Int, width: Int, centres: Tensor)?

    /// The channels of the input: 3 for RGB images, more for a cached feature map.
    public let inputChannels: Int
    /// A pretrained network the images go through first; the convolutions then read its maps.
    public let backbone: PretrainedImageBackbone?

    /// `layers`: (output channels, stride) of each convolution, in order. `inputChannels`: 3 for
    /// RGB images; a pretrained encoder's channels when the input is its cached feature map.
    /// `backbone`: a pretrained network to run the images through first (its maps' channels are
    /// then `inputChannels`).
    public init(layers: [(channels: Int, stride: Int)], inputChannels: Int = 3, backbone: PretrainedImageBackbone? = nil,
                generator: inout RandomGenerator) {
        precondition(!layers.isEmpty, "ImageEncoder: needs at least one layer")
        precondition(backbone.map { $0.settings.channels == inputChannels } ?? true,
                     "ImageEncoder: a backbone of \(backbone?.settings.channels ?? 0) channels for an input of \(inputChannels)")
        self.backbone = backbone
        self.inputChannels = inputChannels
        var inputChannels = inputChannels + 2
        var convolutions: [Conv2d] = [], norms: [BatchNorm2d] = []
        for layer in layers {
            convolutions.append(Conv2d(inputChannels, layer.channels, kernelSize: 3, stride: layer.stride, padding: 1,
                                       bias: false, generator: &generator))
            norms.append(BatchNorm2d(layer.channels))
            inputChannels = layer.channels
        }
        self.convolutions = convolutions
        self.norms = norms
        outputChannels = inputChannels
        super.init()
    }

    /// The feature map [B, C, H, W] of images [B, 3, S, S] (values in [0, 1]), or of cached
    /// feature maps [B, inputChannels, S, S].
    public func callAsFunction(_ pixels: Tensor) -> Tensor {
        featureMaps(pixels).last!
    }

    /// Every layer's output map, first to last: the first is the finest (`pixel-attention` scores
    /// its pixels), the last is what `callAsFunction` returns.
    public func featureMaps(_ pixels: Tensor) -> [Tensor] {
        let images = backbone.map { $0(pixels) } ?? pixels
        precondition(images.rank == 4 && images.shape[1] == inputChannels && images.shape[2] == images.shape[3],
                     "ImageEncoder: expected square inputs [B, \(inputChannels), S, S], got \(images.shape)")
        let planes = coordinatePlanes(size: images.shape[2])
            .broadcast(to: [images.shape[0], 2, images.shape[2], images.shape[3]])
        var x = Tensor.concatenate([images, planes], alongAxis: 1)
        var maps: [Tensor] = []
        for (convolution, norm) in zip(convolutions, norms) {
            x = norm(convolution(x)).relu()
            maps.append(x)
        }
        return maps
    }

    /// One token per cell of `featureMap` [B, C, H, W]: [B, H·W, C + 2], cell (row r, column c)
    /// at index r·W + c, ending in the cell centre's (x, y) in [−1, 1].
    public func tokens(_ featureMap: Tensor) -> Tensor {
        let (batch, channels, height, width) = (featureMap.shape[0], featureMap.shape[1], featureMap.shape[2], featureMap.shape[3])
        let cells = featureMap.reshaped([batch, channels, height * width]).transposed(1, 2)
        let grid = cellCentres(height: height, width: width).broadcast(to: [batch, height * width, 2])
        return Tensor.concatenate([cells, grid], alongAxis: 2)
    }

    /// [1, H·W, 2]: (x, y) of each cell centre in [−1, 1], built once per grid size.
    private func cellCentres(height: Int, width: Int) -> Tensor {
        if let cache = cellCache, cache.height == height, cache.width == width { return cache.centres }
        let centres = gridCentres(height: height, width: width)
        cellCache = (height, width, centres)
        return centres
    }

    /// [1, 2, size, size]: x then y of each pixel centre, in [−1, 1].
    private func coordinatePlanes(size: Int) -> Tensor {
        if let cache = coordinateCache, cache.size == size { return cache.planes }
        var values = [Float](repeating: 0, count: 2 * size * size)
        for row in 0..<size {
            for column in 0..<size {
                values[row * size + column] = (Float(column) + 0.5) / Float(size) * 2 - 1
                values[size * size + row * size + column] = (Float(row) + 0.5) / Float(size) * 2 - 1
            }
        }
        let planes = Tensor(values, shape: [1, 2, size, size])
        coordinateCache = (size, planes)
        return planes
    }
}

extension VQAModelConfiguration {
    /// A model's image encoder with `layers` (as for RGB images): with stride 1 and the maps'
    /// channels when the configuration reads a pretrained encoder's maps, cached or from its own
    /// backbone (which it then holds).
    public func makeImageEncoder(_ layers: [(channels: Int, stride: Int)], generator: inout RandomGenerator) throws -> ImageEncoder {
        ImageEncoder(layers: imageLayers(layers), inputChannels: imageInputChannels, backbone: try makeImageBackbone(),
                     generator: &generator)
    }
}

/// [1, H·W, 2]: (x, y) of the centre of each cell of an H × W grid laid over [−1, 1]², cell
/// (row r, column c) at index r·W + c.
func gridCentres(height: Int, width: Int) -> Tensor {
    var coordinates = [Float](repeating: 0, count: height * width * 2)
    for row in 0..<height {
        for column in 0..<width {
            coordinates[(row * width + column) * 2] = (Float(column) + 0.5) / Float(width) * 2 - 1
            coordinates[(row * width + column) * 2 + 1] = (Float(row) + 0.5) / Float(height) * 2 - 1
        }
    }
    return Tensor(coordinates, shape: [1, height * width, 2])
}
