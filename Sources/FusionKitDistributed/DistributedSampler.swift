import FusionKitData

/// Which items each rank trains on in each step: the data loader's `BatchSampler`, whose global
/// batches are split into contiguous per-rank shares (see there).
public typealias DistributedSampler = BatchSampler
