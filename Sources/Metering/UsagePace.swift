/// How far the meter's commits are behind the records it takes: a ledger that works on the
/// gateway's own cores (SQLite) paces its inserts by it, between leaving the cores to requests
/// and catching up.
public enum UsagePace: Sendable, Equatable {
    /// Nothing waits beyond this batch: the inserts may take as long as they like.
    case keepingUp
    /// The batch is full, so records wait beyond it: faster, still offering the cores now and then.
    case behind
    /// ``farBehindBatches`` full batches or more wait beyond this one (or the records are an
    /// import or a replay): full speed, until the ledger has caught up.
    case farBehind

    /// How many full batches may wait before the ledger stops offering the cores: a saturated
    /// gateway's ledger runs a batch or two behind now and then (its offers taken, it gets little
    /// of the core until its batches fill up); only a backlog that keeps growing needs the
    /// inserts at full speed, which hold the core for a scheduler's slice at a time.
    public static let farBehindBatches = 4

    /// The pace of committing `batch` records of at most `batchSize`, with `waiting` more after them.
    public init(batch: Int, of batchSize: Int, waiting: Int) {
        if waiting / Self.farBehindBatches >= batchSize {
            self = .farBehind
        } else if batch >= batchSize {
            self = .behind
        } else {
            self = .keepingUp
        }
    }
}
