import Dispatch
import Foundation
@testable import FusionKit
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

    @Test("the first branch's parallel loops run on its own thread while the second runs, on every core after",
          .enabled(if: Parallel.threadCount >= 2 && WorkerPool.cores >= 2, "one core: the branches run one after the other"))
    func coresComeBackToTheFirstBranch() {
        let go = DispatchSemaphore(value: 0), returning = DispatchSemaphore(value: 0)
        // The threads that ran the pieces of one parallel loop of two pieces.
        func threadsOfOneLoop() -> Set<UInt> {
            let threads = Locked(Set<UInt>())
            WorkerPool.run(count: 2) { _ in
                threads.withLock { _ = $0.insert(UInt(pthread_self())) }
                usleep(200)
            }
            return threads.withLock { $0 }
        }
        let ((during, after), _) = withoutGradient {
            Parallel.concurrently({ () -> (Int, Int) in
                let during = threadsOfOneLoop().count
                go.signal()
                returning.wait()
                // The pool is given back just after the second branch returns: try for a while.
                var after = 1
                for _ in 0..<2000 where after < 2 {
                    after = threadsOfOneLoop().count
                    if after < 2 { usleep(100) }
                }
                return (during, after)
            }, {
                go.wait()
                returning.signal()
            })
        }
        #expect(during == 1, "a loop of the first branch used \(during) threads while the second branch held the workers")
        #expect(after == 2, "after the second branch returned, a loop of the first used \(after) thread(s)")
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
