import FusionKit
import Testing

/// Parity of a fusion module with its PyTorch fixture `name` (Tests/Fixtures/make_fusion_fixtures_*.py):
/// the module's state-dict keys equal the fixture's `param.` keys (buffers included) and load;
/// `forward` on the fixture's `input`, `input2`, … gives its `output`; after backward from
/// `grad_output`, every input's gradient and every parameter's gradient match, and every
/// parameter has a reference gradient in the fixture.
func expectFusionParity(_ name: String, _ module: Module, modalities: Int, relative: Float = 1e-5, absolute: Float = 1e-6,
                        sourceLocation: SourceLocation = #_sourceLocation, _ forward: ([Tensor]) -> Tensor) throws {
    let fixture = try ParityTests.load(name)
    let parity = ParityTests()
    let state = parity.parameterState(fixture)
    #expect(Set(module.stateDict().keys) == Set(state.keys),
            "\(name): keys \(module.stateDict().keys.sorted()) vs \(state.keys.sorted())", sourceLocation: sourceLocation)
    try module.loadStateDict(state)
    let inputs = (0..<modalities).map { fixture[$0 == 0 ? "input" : "input\($0 + 1)"].requiringGradient() }
    let output = forward(inputs)
    parity.expectClose(output, fixture["output"], "\(name) output", relative: relative, absolute: absolute,
                       sourceLocation: sourceLocation)
    output.backward(fixture["grad_output"])
    for (index, input) in inputs.enumerated() {
        let key = index == 0 ? "grad_input" : "grad_input\(index + 1)"
        parity.expectClose(input.gradient, fixture[key], "\(name) \(key)", relative: relative, absolute: absolute,
                           sourceLocation: sourceLocation)
    }
    let parameters = module.namedParameters()
    let expected = Set(fixture.tensors.keys.filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst(5)) })
    #expect(Set(parameters.map(\.0)) == expected, "\(name): parameters without a reference gradient",
            sourceLocation: sourceLocation)
    for (key, parameter) in parameters where expected.contains(key) {
        parity.expectClose(parameter.gradient, fixture["grad.\(key)"], "\(name) gradient of \(key)",
                           relative: relative, absolute: absolute, sourceLocation: sourceLocation)
    }
}
