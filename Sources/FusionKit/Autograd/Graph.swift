/// Reverse-mode automatic differentiation on a graph recorded as operations run.
///
/// A tensor that requires gradient carries a `GradientNode`. Each differentiable operation whose
/// inputs require gradient gives its result a node holding the inputs' nodes and a backward
/// function: given the gradient of the loss with respect to the result, it returns the gradient
/// with respect to each input (a vector–Jacobian product, written by hand next to the forward).
/// `backward()` walks the nodes in reverse topological order, accumulating gradients, and adds
/// the totals into the leaves (the tensors made with `requiringGradient()`, such as parameters).
/// Afterwards the graph is freed: its backward functions and the tensors they captured are
/// released.
final class GradientNode: @unchecked Sendable {
    /// The operation that made this node, for messages ("matmul", "add", … or "leaf").
    let operation: String
    /// The shape of the tensor this node belongs to; every gradient reaching it has this shape.
    let shape: [Int]
    /// The nodes of the inputs, in the order the backward function returns their gradients;
    /// nil for inputs that do not require gradient.
    var inputs: [GradientNode?]
    /// Computes the input gradients from the output gradient; nil for leaves and once freed.
    var backward: ((Tensor) -> [Tensor?])?
    /// The accumulated gradient of a leaf.
    var gradient: Tensor?
    /// Called on a leaf once `backward()` has added this pass's whole contribution to `gradient`
    /// (data-parallel training starts communicating a gradient as soon as it is final).
    var gradientReady: (() -> Void)?
    let isLeaf: Bool

    init(leafOfShape shape: [Int]) {
        operation = "leaf"
        self.shape = shape
        inputs = []
        isLeaf = true
    }

    init(operation: String, shape: [Int], inputs: [GradientNode?], backward: @escaping (Tensor) -> [Tensor?]) {
        self.operation = operation
        self.shape = shape
        self.inputs = inputs
        self.backward = backward
        isLeaf = false
    }
}

/// Switches for the gradient machinery.
public enum Autograd {
    /// Whether operations record graph nodes on this task or thread (see `withoutGradient`).
    @TaskLocal public static var isRecording = true

    /// Whether an operation on these inputs must record a node.
    @inline(__always)
    static func shouldRecord(_ a: Tensor) -> Bool { a.node != nil && isRecording }

    @inline(__always)
    static func shouldRecord(_ a: Tensor, _ b: Tensor) -> Bool { (a.node != nil || b.node != nil) && isRecording }

    static func shouldRecord(_ tensors: [Tensor]) -> Bool { tensors.contains { $0.node != nil } && isRecording }
}

/// Runs `body` without recording any graph: inference pays no graph cost, and updates to
/// parameters are not themselves differentiated.
public func withoutGradient<R>(_ body: () throws -> R) rethrows -> R {
    try Autograd.$isRecording.withValue(false, operation: body)
}

extension Tensor {
    /// Whether gradients flow back to this tensor (it is a leaf made by `requiringGradient()` or
    /// the result of operations on such tensors).
    public var requiresGradient: Bool { node != nil }

    /// Whether this tensor is a leaf of the graph: made by `requiringGradient()`, so that
    /// `backward()` accumulates into its `gradient`.
    public var isGradientLeaf: Bool { node?.isLeaf ?? false }

    /// This tensor as a new leaf of the graph (sharing its elements): operations on it are
    /// recorded and `backward()` accumulates its gradient in `gradient`. With `false`, a constant.
    public func requiringGradient(_ requires: Bool = true) -> Tensor {
        var leaf = withShape(shape)
        leaf.node = requires ? GradientNode(leafOfShape: shape) : nil
        return leaf
    }

    /// The same elements, cut off from the graph: nothing flows back through the result.
    public func detached() -> Tensor { withShape(shape) }

    /// The gradient accumulated in this leaf by `backward()` calls since it was last cleared;
    /// nil before the first backward and for tensors that are not leaves.
    public var gradient: Tensor? {
        get { node?.gradient }
        nonmutating set {
            guard let node, node.isLeaf else {
                preconditionFailure("gradient: only a leaf tensor (requiringGradient()) holds a gradient; shape \(shape)")
            }
            if let newValue {
                precondition(newValue.shape == shape, "gradient: shape \(newValue.shape) does not match tensor shape \(shape)")
            }
            node.gradient = newValue?.detached()
        }
    }

    /// Back-propagates from this tensor: computes the gradient of it with respect to every leaf
    /// it depends on and adds it to their `gradient`. For a tensor with one element the seed
    /// defaults to 1; otherwise pass the gradient of the final quantity with respect to this
    /// tensor. The graph is freed afterwards, so a second call on the same graph stops with a message.
    public func backward(_ seed: Tensor? = nil) {
        guard let root = node else {
            preconditionFailure("backward: the tensor of shape \(shape) does not require gradient")
        }
        let start: Tensor
        if let seed {
            precondition(seed.shape == shape, "backward: seed of shape \(seed.shape) for a tensor of shape \(shape)")
            start = seed.detached()
        } else {
            precondition(count == 1, "backward: a seed gradient is needed for a tensor of shape \(shape)")
            start = Tensor.ones(shape)
        }
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): start]
        for current in GradientNode.reverseTopologicalOrder(from: root) {
            guard let incoming = pending.removeValue(forKey: ObjectIdentifier(current)) else { continue }
            if current.isLeaf {
                current.gradient = current.gradient.map { $0 + incoming } ?? incoming
                current.gradientReady?()
                continue
            }
            guard let backward = current.backward else {
                preconditionFailure("backward: the graph through \(current.operation) was already freed by an earlier backward()")
            }
            let inputGradients = withoutGradient { backward(incoming) }
            precondition(inputGradients.count == current.inputs.count,
                         "backward: \(current.operation) returned \(inputGradients.count) gradients for \(current.inputs.count) inputs")
            for (input, gradient) in zip(current.inputs, inputGradients) {
                guard let input, let gradient else { continue }
                precondition(gradient.shape == input.shape,
                             "backward: \(current.operation) produced a gradient of shape \(gradient.shape) for an input of shape \(input.shape)")
                let key = ObjectIdentifier(input)
                pending[key] = pending[key].map { $0 + gradient } ?? gradient.detached()
            }
            current.backward = nil
            current.inputs = []
        }
    }

    /// An operation defined outside FusionKit, with its own backward: `result` was computed from
    /// `inputs` (outside the graph); `backward` maps the gradient of the result to one gradient
    /// per input, each of that input's shape (nil where none is needed). The result joins the
    /// graph only when an input requires gradient and recording is on, as a built-in op's would.
    ///
    ///     let doubled = Tensor.differentiable("double", result: x * 2, inputs: [x]) { [$0 * 2] }
    public static func differentiable(_ operation: String, result: Tensor, inputs: [Tensor],
                                      backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        let value = result.detached()
        guard Autograd.shouldRecord(inputs) else { return value }
        return value.recorded(operation, inputs: inputs, backward: backward)
    }

    /// Attaches a graph node for `operation` with these inputs; `backward` maps the result's
    /// gradient to one gradient per input (nil where none is needed).
    func recorded(_ operation: String, inputs: [Tensor], backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        recorded(operation, optionalInputs: inputs, backward: backward)
    }

    /// The same for an operation some of whose inputs are optional (a bias, a mask): a nil input
    /// has no node, and its entry of `backward`'s result is ignored.
    func recorded(_ operation: String, optionalInputs inputs: [Tensor?], backward: @escaping (Tensor) -> [Tensor?]) -> Tensor {
        var result = self
        result.node = GradientNode(operation: operation, shape: shape, inputs: inputs.map { $0?.node }, backward: backward)
        return result
    }

    /// The gradient `self` (of a broadcast result) summed down to `target`, the shape of the
    /// operand that was broadcast.
    func reduced(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let extra = rank - target.count
        var axes = Array(0..<extra)
        for (i, dimension) in target.enumerated() where dimension == 1 && shape[extra + i] != 1 {
            axes.append(extra + i)
        }
        return sum(alongAxes: axes, keepingDimensions: true).withShape(target)
    }
}

extension GradientNode {
    /// The nodes reachable from `root`, each after every node that consumes it.
    static func reverseTopologicalOrder(from root: GradientNode) -> [GradientNode] {
        var order: [GradientNode] = []
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack: [(node: GradientNode, nextInput: Int)] = [(root, 0)]
        while let top = stack.last {
            if top.nextInput < top.node.inputs.count {
                stack[stack.count - 1].nextInput += 1
                if let input = top.node.inputs[top.nextInput], visited.insert(ObjectIdentifier(input)).inserted {
                    stack.append((input, 0))
                }
            } else {
                order.append(top.node)
                stack.removeLast()
            }
        }
        return order.reversed()
    }
}
