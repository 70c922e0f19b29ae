/// Layers applied one after another, as torch.nn.Sequential; children are named 0, 1, 2, … so
/// keys match PyTorch's (`0.weight`, `2.bias`).
public final class Sequential: Module, UnaryLayer {
    public let layers: [any UnaryLayer]

    public init(_ layers: [any UnaryLayer]) {
        self.layers = layers
        super.init()
    }

    public convenience init(_ layers: any UnaryLayer...) { self.init(layers) }

    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { (String($0.offset), $0.element as Module) }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        layers.reduce(input) { $1($0) }
    }
}

/// x + f(x): a residual connection around a layer whose output has the input's shape. Its child
/// is named `block` (`block.weight`).
public final class Residual: Module, UnaryLayer {
    public let block: any UnaryLayer

    public init(_ block: any UnaryLayer) {
        self.block = block
        super.init()
    }

    public override func namedChildren() -> [(String, Module)] { [("block", block)] }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let output = block(input)
        precondition(output.shape == input.shape, "Residual: block output \(output.shape) differs from input \(input.shape)")
        return input + output
    }
}
