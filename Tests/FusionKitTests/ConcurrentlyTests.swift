import Dispatch
import FusionKit
import Testing

/// `Parallel.concurrently`: side by side without recording, one after the other with it.
@Suite("Two branches side by side")
struct ConcurrentlyTests {
    @Test("without recording both branches run at once and see recording off",
          .enabled(if: Parallel.threadCount >= 2, "one core: the branches run one after the other"))
    func sideBySide() {
        // The first branch waits for a signal only the second sends: one after the other, it
        // would time out.
        let signal = DispatchSemaphore(value: 0)
        let (first, second) = withoutGradient {
            Parallel.concurrently({ () -> (DispatchTimeoutResult, Bool) in
                (signal.wait(timeout: .now() + 20), Autograd.isRecording)
            }, { () -> Bool in
                signal.signal()
                return Autograd.isRecording
            })
        }
        #expect(first.0 == .success, "the branches did not overlap")
        #expect(!first.1 && !second, "a branch recorded gradients inside withoutGradient")
    }

    @Test("with recording the branches run in order on the calling thread and build one graph")
    func inOrderWhenRecording() {
        let order = OrderLog()
        let x = Tensor([1, 2, 3]).requiringGradient()
        let (a, b) = Parallel.concurrently({ () -> Tensor in
            order.append(1)
            return (x * x).sum()
        }, { () -> Tensor in
            order.append(2)
            return (x * 3).sum()
        })
        #expect(order.values == [1, 2])
        (a + b).backward()
        #expect(x.gradient?.scalars == [5, 7, 9])
    }

    @Test("results of both branches come back in argument order, whatever their types")
    func results() {
        let (text, tensor) = withoutGradient {
            Parallel.concurrently({ "image" }, { Tensor([4, 5]) * 2 })
        }
        #expect(text == "image")
        #expect(tensor.scalars == [8, 10])
    }
}

/// Appends from one thread at a time (the recorded path is sequential).
final class OrderLog: @unchecked Sendable {
    private(set) var values: [Int] = []
    func append(_ value: Int) { values.append(value) }
}
