/// Checks that `inputs` are NCHW maps with the expected channels and one batch size; otherwise
/// stops with a message naming `op` and the shapes.
public func checkFeatureMaps(_ inputs: [Tensor], _ channels: [Int], op: String) {
    precondition(inputs.count == channels.count,
                 "\(op): expected \(channels.count) feature maps, got \(inputs.count) (shapes \(inputs.map(\.shape)))")
    for (input, count) in zip(inputs, channels) {
        precondition(input.rank == 4 && input.shape[1] == count && input.shape[0] == inputs[0].shape[0],
                     "\(op): feature maps of shapes \(inputs.map(\.shape)) do not match channels \(channels)")
    }
}
