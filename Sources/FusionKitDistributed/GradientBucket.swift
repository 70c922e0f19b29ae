import FusionKit

/// A group of parameters whose gradients travel in one all-reduce: one flat buffer holding each
/// member's gradient, followed by one flag per member (1 when this rank has a gradient for it),
/// so that after the sum a parameter gets a gradient exactly when some rank produced one.
final class GradientBucket {
    /// Indices into the data-parallel wrapper's parameter list, and each member's offset and size
    /// in the buffer.
    let members: [Int]
    let offsets: [Int]
    let counts: [Int]
    let buffer: UnsafeMutableBufferPointer<Float>
    /// Members whose gradient is not final yet in the current backward.
    var waiting = 0
    var reduction: PendingReduction?

    init(members: [Int], counts: [Int]) {
        self.members = members
        self.counts = counts
        var offsets: [Int] = [], total = 0
        for count in counts {
            offsets.append(total)
            total += count
        }
        self.offsets = offsets
        buffer = .allocate(capacity: total + members.count)
    }

    deinit { buffer.deallocate() }

    var gradientCount: Int { buffer.count - members.count }

    /// Copies the members' gradients in (zeros and a 0 flag where a parameter has none).
    func pack(_ parameters: [Parameter]) {
        for (slot, member) in members.enumerated() {
            let destination = UnsafeMutableBufferPointer(rebasing: buffer[offsets[slot]..<(offsets[slot] + counts[slot])])
            if let gradient = parameters[member].gradient {
                gradient.withUnsafeBufferPointer { source in _ = destination.update(fromContentsOf: source) }
                buffer[gradientCount + slot] = 1
            } else {
                destination.update(repeating: 0)
                buffer[gradientCount + slot] = 0
            }
        }
    }

    /// Writes the summed gradients back; a member no rank had a gradient for stays without one.
    func unpack(_ parameters: [Parameter]) {
        for (slot, member) in members.enumerated() where buffer[gradientCount + slot] > 0 {
            let parameter = parameters[member]
            let summed = UnsafeBufferPointer(rebasing: buffer[offsets[slot]..<(offsets[slot] + counts[slot])])
            parameter.value.gradient = Tensor(copying: summed, shape: parameter.shape)
        }
    }

    /// Groups parameters (given in the order their gradients are expected to become final) into
    /// buckets of about `capacity` elements.
    static func plan(counts: [Int], order: [Int], capacity: Int) -> [GradientBucket] {
        var buckets: [GradientBucket] = []
        var members: [Int] = [], sizes: [Int] = [], total = 0
        for index in order {
            if total > 0 && total + counts[index] > capacity {
                buckets.append(GradientBucket(members: members, counts: sizes))
                members = []
                sizes = []
                total = 0
            }
            members.append(index)
            sizes.append(counts[index])
            total += counts[index]
        }
        if !members.isEmpty { buckets.append(GradientBucket(members: members, counts: sizes)) }
        return buckets
    }
}
