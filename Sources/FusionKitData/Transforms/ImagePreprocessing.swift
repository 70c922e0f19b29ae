/// The deterministic preparation a data set applies to every image before batching: a resize
/// (see `Resizing`), then an optional per-channel normalisation. Input planes hold values in
/// [0, 1], as decoded files give them. Codable so that a model's checkpoint can record how its
/// images were prepared.
///
/// ```swift
/// let prepare = ImagePreprocessing.imageNet()   // torchvision ResNet weights' transforms
/// let input = prepare(decoded.planes())          // 3 × 224 × 224, normalised
/// ```
public struct ImagePreprocessing: Codable, Equatable, Sendable {
    /// How the image reaches the model's input size.
    public enum Resizing: Codable, Equatable, Sendable {
        /// Left at its size.
        case keepSize
        /// Resized to exactly `height × width`, changing the aspect ratio if it differs.
        case stretch(height: Int, width: Int)
        /// The shorter side resized to `shorterSide` keeping the aspect ratio, then the central
        /// `crop × crop` window: torchvision's `Resize(shorterSide)` + `CenterCrop(crop)`, the
        /// ImageNet and CLIP evaluation transforms. Cuts off the ends of the longer side.
        case shorterSideThenCenterCrop(shorterSide: Int, crop: Int)
        /// Padded to a square with `fill` (`padToSquare`), then resized to `size × size`: keeps
        /// the whole image and its aspect ratio.
        case padToSquareThenResize(size: Int, fill: [Float])
    }

    /// Per-channel `(x − mean) / std`, applied after the resize.
    public struct Normalization: Codable, Equatable, Sendable {
        public var mean: [Float]
        public var std: [Float]

        // Deliberate pattern (same shape as Sources/FusionKit/Text/TokenizedBatch.swift:TokenizedSequence.init): a public memberwise initializer (Swift synthesizes only an internal one) of an unrelated type, checking that its two arrays agree.
        public init(mean: [Float], std: [Float]) {
            precondition(mean.count == std.count,
                         "ImagePreprocessing.Normalization: \(mean.count) means and \(std.count) standard deviations")
            self.mean = mean
            self.std = std
        }
    }

    public var resizing: Resizing
    /// Antialiased bilinear resizing (torchvision's default since 0.17); `false` is plain
    /// two-tap bilinear, which aliases when shrinking by more than 2.
    public var antialias: Bool
    /// `nil` leaves values as the resize gives them, in [0, 1].
    public var normalization: Normalization?

    public init(resizing: Resizing, antialias: Bool = true, normalization: Normalization? = nil) {
        self.resizing = resizing
        self.antialias = antialias
        self.normalization = normalization
    }

    /// The height and width of every prepared image; nil when images keep their own size.
    public var outputSize: (height: Int, width: Int)? {
        switch resizing {
        case .keepSize: return nil
        case let .stretch(height, width): return (height, width)
        case let .shorterSideThenCenterCrop(_, crop): return (crop, crop)
        case let .padToSquareThenResize(size, _): return (size, size)
        }
    }

    /// `planes` resized, then normalised.
    public func callAsFunction(_ planes: ImagePlanes) -> ImagePlanes {
        var image = planes
        switch resizing {
        case .keepSize:
            break
        case let .stretch(height, width):
            image = resize(image, height: height, width: width, antialias: antialias)
        case let .shorterSideThenCenterCrop(shorterSide, crop):
            image = resize(image, shorterSide: shorterSide, antialias: antialias)
            image = centerCrop(image, height: crop, width: crop)
        case let .padToSquareThenResize(size, fill):
            image = padToSquareThenResize(image, size: size, fill: fill, antialias: antialias)
        }
        if let normalization {
            image = normalize(image, mean: normalization.mean, std: normalization.std)
        }
        return image
    }
}

extension ImagePreprocessing {
    /// ImageNet's per-channel mean and standard deviation, as torchvision's pretrained models use.
    public static let imageNetNormalization = Normalization(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])

    /// CLIP's per-channel mean and standard deviation (OpenAI CLIP and `CLIPImageProcessor`).
    public static let clipNormalization = Normalization(mean: [0.48145466, 0.4578275, 0.40821073],
                                                        std: [0.26862954, 0.26130258, 0.27577711])

    /// torchvision's ImageNet evaluation transform (`ImageClassification`, as the ResNet `V1`
    /// weights' `transforms()`): shorter side to `resizeTo`, centre crop `size × size`,
    /// antialiased bilinear, ImageNet normalisation. `resizeTo` defaults to `size · 256 / 224`
    /// (floored), 256 for 224; some newer weights use other sizes (ResNet-50 `V2`: 232), pass
    /// theirs.
    public static func imageNet(size: Int = 224, resizeTo: Int? = nil) -> ImagePreprocessing {
        ImagePreprocessing(resizing: .shorterSideThenCenterCrop(shorterSide: resizeTo ?? size * 256 / 224, crop: size),
                           antialias: true, normalization: imageNetNormalization)
    }

    /// CLIP's evaluation transform with bilinear instead of bicubic resizing: shorter side to
    /// `size`, centre crop `size × size`, CLIP normalisation.
    ///
    /// Not pixel-identical to CLIP's: OpenAI's preprocessing (and `CLIPImageProcessor`) resizes
    /// with bicubic interpolation, on 8-bit images, and FusionKit has only (antialiased)
    /// bilinear, so the pixels differ slightly (bicubic keeps edges sharper) and a CLIP model's
    /// features will not equal those of the reference pipeline exactly.
    public static func clip(size: Int = 224) -> ImagePreprocessing {
        ImagePreprocessing(resizing: .shorterSideThenCenterCrop(shorterSide: size, crop: size),
                           antialias: true, normalization: clipNormalization)
    }

    /// Stretched to `size × size` (antialiased bilinear), values left in [0, 1]: for models
    /// trained from scratch on images of one aspect ratio.
    public static func plain(size: Int) -> ImagePreprocessing {
        ImagePreprocessing(resizing: .stretch(height: size, width: size), antialias: true, normalization: nil)
    }
}
