/// A trainable tensor owned by a module: a leaf of the graph whose gradient `backward()` fills.
///
/// Parameters are references, so a module, its optimizer and a checkpoint all see the same one.
public final class Parameter: @unchecked Sendable {
    private var storedValue: Tensor {
        didSet {
            derivedValues.withLock { $0 = [:] }
            version &+= 1
        }
    }

    /// Changes whenever the value does (assigned, updated in place, loaded or frozen): what a
    /// cache of something computed from it compares (`derived`, `BatchNormFolding`).
    public private(set) var version = 0

    /// Tensors computed from the value by `derived`, dropped whenever the value changes.
    private let derivedValues = Locked([String: Tensor]())

    /// The current value, a leaf that requires gradient unless the parameter is frozen.
    /// Assigning a new value starts a new leaf (its gradient is cleared).
    public var value: Tensor {
        get { storedValue }
        set { storedValue = newValue.requiringGradient(isTrainable); installHook() }
    }

    /// Whether gradients are computed for this parameter (false: frozen).
    public var isTrainable: Bool {
        didSet { storedValue = storedValue.requiringGradient(isTrainable); installHook() }
    }

    /// Called during `backward()` as soon as this parameter's gradient for that pass is complete
    /// (before the rest of the graph has been walked). Data-parallel training uses it to start
    /// averaging gradients across processes while backward goes on; nil: no call.
    public var onGradientReady: (() -> Void)? {
        didSet { installHook() }
    }

    /// A parameter holding `value`.
    public init(_ value: Tensor, trainable: Bool = true) {
        isTrainable = trainable
        storedValue = value.requiringGradient(trainable)
    }

    /// Hands the hook to the current leaf (a new value or freezing starts a new leaf).
    private func installHook() {
        storedValue.node?.gradientReady = onGradientReady
    }

    /// Changes the value in place without recording a graph and without clearing the gradient,
    /// as an optimizer step does: `parameter.update { $0 -= gradient * learningRate }`.
    /// Assigning a whole new tensor inside `body` (`$0 = …`) starts a new leaf, as `value = …` does.
    public func update(_ body: (inout Tensor) -> Void) {
        let shape = storedValue.shape, leaf = storedValue.node
        withoutGradient { body(&storedValue) }
        precondition(storedValue.shape == shape,
                     "Parameter.update: the update changed the shape from \(shape) to \(storedValue.shape)")
        if storedValue.node !== leaf { storedValue = storedValue.requiringGradient(isTrainable); installHook() }
    }

    /// A tensor computed from the value by `make`, kept under `key` until the value changes
    /// (assigned, updated, loaded or frozen): a layer's pre-transformed weight, for example.
    /// Computed outside the graph.
    public func derived(_ key: String, _ make: (Tensor) -> Tensor) -> Tensor {
        if let kept = derivedValues.withLock({ $0[key] }) { return kept }
        let value = storedValue
        let made = withoutGradient { make(value.detached()) }
        derivedValues.withLock { if value.storage === storedValue.storage { $0[key] = made } }
        return made
    }

    /// The gradient accumulated by `backward()` calls since the last `zeroGradient()`.
    public var gradient: Tensor? { storedValue.gradient }

    /// Clears the accumulated gradient.
    public func zeroGradient() {
        if storedValue.requiresGradient { storedValue.gradient = nil }
    }

    /// The shape of the value.
    public var shape: [Int] { storedValue.shape }
}

/// A tensor a module keeps as state without training it, such as BatchNorm's running mean;
/// saved in the state dict like a parameter.
public final class Buffer: @unchecked Sendable {
    /// The current value (never part of the graph).
    public var value: Tensor {
        didSet {
            value = value.detached()
            version &+= 1
        }
    }

    /// Changes whenever the value is assigned: what a cache of something computed from it
    /// compares (`BatchNormFolding`).
    public private(set) var version = 0

    public init(_ value: Tensor) { self.value = value.detached() }
}
