import FusionKit
import Testing

@Suite("Creation, reshaping, permutation, indexing, joining")
struct ShapeTests {
    @Test func creation() {
        #expect(Tensor.zeros([2, 3]).scalars == [Float](repeating: 0, count: 6))
        #expect(Tensor.ones([0, 3]).count == 0)
        #expect(Tensor.full([2], value: 7).scalars == [7, 7])
        #expect(Tensor.arange(5).scalars == [0, 1, 2, 3, 4])
        #expect(Tensor.arange(1, 2, step: 0.25).scalars == [1, 1.25, 1.5, 1.75])
        #expect(Tensor.arange(5, 0, step: -2).scalars == [5, 3, 1])
        #expect(Tensor.linspace(0, 1, count: 5).scalars == [0, 0.25, 0.5, 0.75, 1])
        #expect(Tensor.eye(3).scalars == [1, 0, 0, 0, 1, 0, 0, 0, 1])
        #expect(Tensor([[1, 2], [3, 4]]).shape == [2, 2])
        #expect(Tensor(3).shape == [] && Tensor(3).scalar == 3)
        var x = Tensor.zeros([2, 3])
        x[1, 2] = 5
        #expect(x[1, 2] == 5 && x.scalars[5] == 5)
    }

    @Test func copyOnWrite() {
        var a = Tensor([1, 2, 3])
        var b = a
        let sharedBefore = a.sharesStorage
        #expect(sharedBefore)
        b[0] = 9
        #expect(a.scalars == [1, 2, 3] && b.scalars == [9, 2, 3])
        let sharedAfter = a.sharesStorage || b.sharesStorage
        #expect(!sharedAfter)
    }

    @Test func reshapeFlattenSqueeze() {
        let x = Tensor.arange(24).reshaped([2, 3, 4])
        #expect(x.reshaped([6, -1]).shape == [6, 4])
        #expect(x.flattened().shape == [24])
        #expect(x.flattened(startAxis: 1).shape == [2, 12])
        #expect(x.flattened(startAxis: 0, endAxis: 1).shape == [6, 4])
        #expect(x.expandingShape(at: 0).shape == [1, 2, 3, 4])
        #expect(x.expandingShape(at: -1).shape == [2, 3, 4, 1])
        #expect(x.reshaped([1, 2, 1, 12]).squeezingShape().shape == [2, 12])
        #expect(x.reshaped([1, 2, 1, 12]).squeezingShape(at: [2]).shape == [1, 2, 12])
        #expect(Tensor.zeros([0, 5]).reshaped([5, 0]).shape == [5, 0])
        #expect(Tensor([3]).broadcast(to: [2, 3]).scalars == [3, 3, 3, 3, 3, 3])
        #expect(Tensor([1, 2]).reshaped([2, 1]).broadcast(to: [2, 2]).scalars == [1, 1, 2, 2])
        // A middle axis, leading axes, a scalar, and only unit axes added.
        let middle = Tensor([1, 2, 3, 4, 5, 6], shape: [2, 1, 3]).broadcast(to: [2, 2, 3])
        #expect(middle.scalars == [1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6])
        #expect(Tensor([1, 2, 3]).broadcast(to: [2, 2, 3]).scalars == [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3])
        #expect(Tensor(7).broadcast(to: [2, 2]).scalars == [7, 7, 7, 7])
        #expect(Tensor([1, 2, 3]).broadcast(to: [1, 3]).scalars == [1, 2, 3])
        let large = Tensor.arange(0, 300).reshaped([300, 1]).broadcast(to: [300, 500])
        #expect(large.shape == [300, 500] && large[299, 499] == 299 && large[7, 0] == 7 && large[150, 250] == 150)
    }

    static let permutations: [([Int], [Int])] = [
        ([2, 3], [1, 0]), ([2, 3, 4], [2, 0, 1]), ([2, 3, 4], [0, 2, 1]), ([2, 3, 4], [1, 0, 2]),
        ([2, 1, 4, 3], [3, 1, 0, 2]), ([40, 70], [1, 0]), ([1, 1], [1, 0]), ([3, 0, 2], [2, 1, 0]),
        ([5, 6, 7, 2], [0, 1, 3, 2]), ([2, 3, 4], [0, 1, 2]),
        // Large enough for the cores to share them: a matrix in bands of rows, and batches of
        // matrices (one with three-float columns, as RGB planes read as pixels).
        ([1000, 140], [1, 0]), ([16, 37, 240], [0, 2, 1]), ([8, 3, 6000], [0, 2, 1]),
    ]

    @Test("permute matches the reference", arguments: permutations)
    func permute(shape: [Int], order: [Int]) {
        let x = random(shape, seed: 5)
        #expect(x.permuted(order) == Reference.permute(x, order))
    }

    @Test func transposeSwapsAxes() {
        let x = random([2, 3, 4], seed: 6)
        #expect(x.transposed() == Reference.permute(x, [0, 2, 1]))
        #expect(x.transposed(0, 2) == Reference.permute(x, [2, 1, 0]))
        #expect(Tensor([1, 2]).transposed() == Tensor([1, 2]))
    }

    @Test func slicingAndIndexSelect() {
        let x = Tensor.arange(24).reshaped([2, 3, 4])
        #expect(x.slice(1..<3, alongAxis: 1).scalars == [4, 5, 6, 7, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23])
        #expect(x.slice(0..<4, alongAxis: -1, step: 2).scalars == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22])
        #expect(x.slice(2..<2, alongAxis: 2).shape == [2, 3, 0])
        let table = Tensor.arange(12).reshaped([4, 3])
        #expect(table.indexSelect([3, 0, 3], alongAxis: 0).scalars == [9, 10, 11, 0, 1, 2, 9, 10, 11])
        #expect(table.indexSelect([2], alongAxis: 1).scalars == [2, 5, 8, 11])
        #expect(table.indexSelect([], alongAxis: 0).shape == [0, 3])
    }

    @Test func gatherMatchesDefinition() {
        // result[i][j] = x[i][index[i][j]] along axis 1; = x[index[i][j]][j] along axis 0.
        let x = Tensor.arange(12).reshaped([3, 4])
        let along1 = Tensor([3, 0, 1, 1, 2, 2], shape: [3, 2])
        #expect(x.gather(alongAxis: 1, indices: along1).scalars == [3, 0, 5, 5, 10, 10])
        let along0 = Tensor([2, 0, 1, 2], shape: [1, 4])
        #expect(x.gather(alongAxis: 0, indices: along0).scalars == [8, 1, 6, 11])
        let cube = Tensor.arange(24).reshaped([2, 3, 4])
        let index = Tensor([2, 0, 1, 1], shape: [2, 1, 2])
        // result[i][0][k] = cube[i][index[i][0][k]][k]
        #expect(cube.gather(alongAxis: 1, indices: index).scalars == [8, 1, 16, 17])
    }

    @Test func concatenateStackSplit() {
        let a = Tensor.arange(6).reshaped([2, 3]), b = Tensor.arange(6, 10).reshaped([2, 2])
        let joined = Tensor.concatenate([a, b], alongAxis: 1)
        #expect(joined.shape == [2, 5])
        #expect(joined.scalars == [0, 1, 2, 6, 7, 3, 4, 5, 8, 9])
        #expect(Tensor.concatenate([a, a], alongAxis: 0).scalars == a.scalars + a.scalars)
        #expect(Tensor.concatenate([a, Tensor.zeros([0, 3])]) == a)
        let stacked = Tensor.stack([a, a * 2], alongAxis: 1)
        #expect(stacked.shape == [2, 2, 3])
        #expect(stacked.scalars == [0, 1, 2, 0, 2, 4, 3, 4, 5, 6, 8, 10])
        let parts = joined.split(sizes: [3, 2], alongAxis: 1)
        #expect(parts[0] == a && parts[1] == b)
        #expect(Tensor.arange(6).split(count: 3).map(\.scalars) == [[0, 1], [2, 3], [4, 5]])
    }

    @Test func seededRandomIsReproducible() {
        var g1 = RandomGenerator(seed: 42), g2 = RandomGenerator(seed: 42), g3 = RandomGenerator(seed: 43)
        let a = Tensor.randomNormal([1000], generator: &g1)
        #expect(a == Tensor.randomNormal([1000], generator: &g2))
        #expect(a != Tensor.randomNormal([1000], generator: &g3))
        let mean = a.mean().scalar, std = a.variance(alongAxes: 0).scalar.squareRoot()
        #expect(abs(mean) < 0.1 && abs(std - 1) < 0.1)
        let u = Tensor.randomUniform([10000], lower: -2, upper: 3, generator: &g1)
        #expect(u.min().scalar >= -2 && u.max().scalar < 3 && abs(u.mean().scalar - 0.5) < 0.1)
    }

    /// The global generator is shared by every test running in parallel, so its seeding is
    /// checked in a child process.
    @Test func globalSeedRepeatsTheStream() async {
        await #expect(processExitsWith: .success) {
            Random.seed(5)
            let first = Tensor.randomUniform([8])
            Random.seed(5)
            precondition(Tensor.randomUniform([8]) == first, "Random.seed did not repeat the stream")
            Random.seed(6)
            precondition(Tensor.randomUniform([8]) != first, "another seed gave the same stream")
        }
    }
}
