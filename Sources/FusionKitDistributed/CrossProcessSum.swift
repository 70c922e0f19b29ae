import FusionKit

extension ProcessGroup {
    /// The element-wise sum of `tensor` over every process, as a differentiable operation: every
    /// process's result depends on every process's input, so the backward sums the incoming
    /// gradients over the processes too. Synchronised batch norm is built on it.
    /// A communication failure here stops the job (it happens inside forward or backward, where
    /// nothing can be thrown), with a message naming the rank.
    public func differentiableSum(_ tensor: Tensor) -> Tensor {
        if size == 1 { return tensor }
        let result = summed(tensor, operation: "forward")
        return Tensor.differentiable("crossProcessSum", result: result, inputs: [tensor]) { [self] gradient in
            [summed(gradient, operation: "backward")]
        }
    }

    private func summed(_ tensor: Tensor, operation: String) -> Tensor {
        var copy = tensor.detached()  // written below, so its elements are copied first
        do {
            try copy.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        } catch {
            abort("crossProcessSum \(operation) of a tensor of shape \(tensor.shape): \(error)")
        }
        return copy
    }
}
