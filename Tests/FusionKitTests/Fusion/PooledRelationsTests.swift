@testable import FusionKit
import Testing

/// The relation network's fused pair pooling (`PooledRelations`) against the composed path it
/// replaces: the same output and the same gradient for the objects, the question and every weight,
/// across chunk boundaries, for g_θ with zero to three hidden layers, and against finite differences.
@Suite("Pooled relations")
struct PooledRelationsTests {
    /// The composed version: every pair's activations materialised, summed, scaled.
    func composed(_ rn: RelationNetworkFusion, _ objects: Tensor, _ question: Tensor, scale: Float) -> Tensor {
        rn.relations(objects: objects, question: question).sum(alongAxes: 1) * scale
    }

    func gradients(_ rn: RelationNetworkFusion, _ objects: Tensor, _ question: Tensor,
                   _ function: (Tensor, Tensor) -> Tensor) -> (output: Tensor, inputs: [Tensor], parameters: [String: Tensor]) {
        for parameter in rn.parameters() { parameter.zeroGradient() }
        let o = objects.requiringGradient(), q = question.requiringGradient()
        let output = function(o, q)
        var generator = RandomGenerator(seed: 5)
        output.backward(Tensor.randomNormal(output.shape, generator: &generator))
        var parameters: [String: Tensor] = [:]
        for (name, parameter) in rn.namedParameters() where !name.hasPrefix("f.") {
            parameters[name] = parameter.gradient
        }
        return (output.detached(), [o.gradient!, q.gradient!], parameters)
    }

    @Test(arguments: [[6], [6, 5], [6, 5, 4], [4, 7, 3, 5]])
    func matchesComposedPath(gWidths: [Int]) {
        var generator = RandomGenerator(seed: 90)
        let rn = RelationNetworkFusion(objectWidth: 3, questionWidth: 2, gWidths: gWidths, fWidths: [3], generator: &generator)
        let objects = random([9, 4, 3], seed: 91), question = random([9, 2], seed: 92)
        let expected = gradients(rn, objects, question) { composed(rn, $0, $1, scale: 0.25) }
        // 1 example per chunk: 9 chunks, shared out among the cores (on two or more); 2: chunks
        // of 2, 2, 2, 2 and 1 on one thread; 9: one chunk for all; nil: the default plan.
        for chunk in [1, 2, 9, nil] {
            let fused = gradients(rn, objects, question) {
                rn.pooledRelations(objects: $0, question: $1, scale: 0.25, chunkExamples: chunk)
            }
            #expect(isClose(fused.output, expected.output, relative: 1e-5, absolute: 1e-6), "output, chunk \(String(describing: chunk))")
            for (index, gradient) in fused.inputs.enumerated() {
                #expect(isClose(gradient, expected.inputs[index], relative: 1e-4, absolute: 1e-5), "input \(index), chunk \(String(describing: chunk))")
            }
            #expect(Set(fused.parameters.keys) == Set(expected.parameters.keys))
            for (name, gradient) in fused.parameters {
                #expect(isClose(gradient, expected.parameters[name]!, relative: 1e-4, absolute: 1e-5), "\(name), chunk \(String(describing: chunk))")
            }
        }
        // Inference records nothing and gives the same numbers.
        let inference = withoutGradient { rn.pooledRelations(objects: objects, question: question, scale: 0.25) }
        #expect(!inference.requiresGradient)
        #expect(isClose(inference, expected.output, relative: 1e-5, absolute: 1e-6))
    }

    @Test func gradientsMatchFiniteDifferences() {
        var generator = RandomGenerator(seed: 93)
        let rn = RelationNetworkFusion(objectWidth: 3, questionWidth: 2, gWidths: [5, 4, 3], fWidths: [2], generator: &generator)
        let objects = random([3, 3, 3], seed: 94), question = random([3, 2], seed: 95)
        let parameters = rn.parameters().filter { !rn.f.parameters().map(ObjectIdentifier.init).contains(ObjectIdentifier($0)) }
        expectGradients([objects, question], parameters: parameters) {
            rn.pooledRelations(objects: $0[0], question: $0[1], scale: 0.5, chunkExamples: 2)
        }
    }

    @Test func frozenWeightsAndConstantInputs() {
        // Only some inputs need gradients: the others get none and the rest still match.
        var generator = RandomGenerator(seed: 96)
        let rn = RelationNetworkFusion(objectWidth: 3, questionWidth: 2, gWidths: [4, 4], fWidths: [2], generator: &generator)
        let objects = random([2, 3, 3], seed: 97), question = random([2, 2], seed: 98)
        for parameter in rn.gRest.parameters() { parameter.zeroGradient() }
        rn.gFirstObject.weight.isTrainable = false
        let q = question.requiringGradient()
        let fused = rn.pooledRelations(objects: objects, question: q, scale: 1, chunkExamples: 1)
        fused.sum().backward()
        let fusedQuestion = q.gradient!, fusedWeight = rn.gRest.parameters()[0].gradient!
        for parameter in rn.gRest.parameters() { parameter.zeroGradient() }
        let q2 = question.requiringGradient()
        composed(rn, objects, q2, scale: 1).sum().backward()
        #expect(rn.gFirstObject.weight.gradient == nil)
        #expect(isClose(fusedQuestion, q2.gradient!, relative: 1e-4, absolute: 1e-5))
        #expect(isClose(fusedWeight, rn.gRest.parameters()[0].gradient!, relative: 1e-4, absolute: 1e-5))
    }
}
