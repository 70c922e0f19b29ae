/// Flattens all dimensions from `startAxis` on (torch.nn.Flatten; by default all but the batch).
public final class Flatten: Module, UnaryLayer {
    public let startAxis: Int
    public init(startAxis: Int = 1) { self.startAxis = startAxis; super.init() }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.flattened(startAxis: startAxis) }
}
