import Foundation

/// The base class of every layer and model: it finds its parameters, buffers and sub-modules by
/// walking its stored properties, names them as PyTorch does (`encoder.layers.0.weight`), and
/// switches between training and evaluation.
///
/// ```swift
/// final class Classifier: Module, UnaryLayer {
///     let hidden = Linear(16, 32)
///     let output = Linear(32, 4)
///     func callAsFunction(_ x: Tensor) -> Tensor { output(hidden(x).relu()) }
/// }
/// // keys: hidden.weight, hidden.bias, output.weight, output.bias
/// ```
///
/// Stored properties of type `Parameter`, `Buffer`, `Module`, arrays of those, and optionals of
/// those are found automatically; an array is numbered (`layers.0`, `layers.1`, …). A subclass
/// whose children are not stored properties overrides `namedChildren()`.
open class Module {
    /// Whether the module is in training mode (dropout active, batch statistics used).
    public private(set) var isTraining = true

    public init() {}

    /// The direct sub-modules with their names. The default reads stored properties.
    open func namedChildren() -> [(String, Module)] {
        reflectedMembers().compactMap { name, member in (member as? Module).map { (name, $0) } }
    }

    /// The parameters owned directly by this module (not by children), with their names.
    open func namedOwnParameters() -> [(String, Parameter)] {
        reflectedMembers().compactMap { name, member in (member as? Parameter).map { (name, $0) } }
    }

    /// The buffers owned directly by this module, with their names.
    open func namedOwnBuffers() -> [(String, Buffer)] {
        reflectedMembers().compactMap { name, member in (member as? Buffer).map { (name, $0) } }
    }

    /// Every parameter of this module and its descendants, with dotted names, in declaration order.
    public func namedParameters() -> [(String, Parameter)] {
        namedOwnParameters() + namedChildren().flatMap { prefix, child in
            child.namedParameters().map { ("\(prefix).\($0)", $1) }
        }
    }

    /// Every buffer of this module and its descendants, with dotted names.
    public func namedBuffers() -> [(String, Buffer)] {
        namedOwnBuffers() + namedChildren().flatMap { prefix, child in
            child.namedBuffers().map { ("\(prefix).\($0)", $1) }
        }
    }

    /// Every parameter, in the order of `namedParameters()`.
    public func parameters() -> [Parameter] { namedParameters().map(\.1) }

    /// The parameters that are not frozen.
    public func trainableParameters() -> [Parameter] { parameters().filter(\.isTrainable) }

    /// The number of scalars in all parameters (trainable or not).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.value.count } }

    /// Puts this module and its descendants in training mode.
    public func train() { setTraining(true) }

    /// Puts this module and its descendants in evaluation mode.
    public func eval() { setTraining(false) }

    private func setTraining(_ training: Bool) {
        isTraining = training
        for (_, child) in namedChildren() { child.setTraining(training) }
    }

    /// Stops gradient computation for every parameter of this module (for fine-tuning).
    public func freeze() { for parameter in parameters() { parameter.isTrainable = false } }

    /// Resumes gradient computation for every parameter.
    public func unfreeze() { for parameter in parameters() { parameter.isTrainable = true } }

    /// Clears the gradients of every parameter.
    public func zeroGradients() { for parameter in parameters() { parameter.zeroGradient() } }

    /// Stored properties that can hold parameters, buffers or modules, flattened: arrays become
    /// `name.index`, optionals are unwrapped. Walks superclasses too.
    private func reflectedMembers() -> [(String, Any)] {
        var members: [(String, Any)] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        var mirrors: [Mirror] = []
        while let current = mirror {
            mirrors.append(current)
            mirror = current.superclassMirror
        }
        for current in mirrors.reversed() {
            for child in current.children {
                guard let label = child.label else { continue }
                members += Module.flatten(name: label.hasPrefix("_") ? String(label.dropFirst()) : label, child.value)
            }
        }
        return members
    }

    private static func flatten(name: String, _ value: Any) -> [(String, Any)] {
        switch value {
        case is Module, is Parameter, is Buffer:
            return [(name, value)]
        case let array as [Any]:
            return array.enumerated().flatMap { flatten(name: "\(name).\($0.offset)", $0.element) }
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .optional, let wrapped = mirror.children.first {
                return flatten(name: name, wrapped.value)
            }
            return []
        }
    }
}

/// A module that maps one tensor to one tensor, so it can be chained in `Sequential`.
public protocol UnaryLayer: Module {
    func callAsFunction(_ input: Tensor) -> Tensor
}
