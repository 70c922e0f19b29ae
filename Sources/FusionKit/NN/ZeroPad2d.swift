/// Zeros around the last two dimensions (torch.nn.ZeroPad2d): (left, right, top, bottom).
public final class ZeroPad2d: Module, UnaryLayer {
    public let left: Int, right: Int, top: Int, bottom: Int
    public init(left: Int, right: Int, top: Int, bottom: Int) {
        (self.left, self.right, self.top, self.bottom) = (left, right, top, bottom)
        super.init()
    }
    public convenience init(_ padding: Int) { self.init(left: padding, right: padding, top: padding, bottom: padding) }
    public func callAsFunction(_ input: Tensor) -> Tensor { input.zeroPadded(left: left, right: right, top: top, bottom: bottom) }
}
