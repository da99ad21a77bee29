/// Where a transactional id's transaction stands (Kafka's `TransactionState`), with
/// the names DescribeTransactions and ListTransactions use.
///
/// ```
/// Empty ──AddPartitions/AddOffsets──> Ongoing ──EndTxn(commit)──> PrepareCommit ──markers──> CompleteCommit
///   ^                                   │  └──EndTxn(abort), timeout, re-init──> PrepareAbort ──markers──> CompleteAbort
///   └──────────── InitProducerId (epoch + 1) from Empty / Complete* ─────────────────────────────┘
/// ```
/// A timeout or an InitProducerId that finds the transaction open first bumps the
/// epoch (fencing the producer), then aborts: Kafka's PrepareEpochFence, which this
/// coordinator does in the same step as PrepareAbort.
public enum TransactionState: String, CaseIterable, Hashable, Sendable {
    case empty = "Empty"
    case ongoing = "Ongoing"
    case prepareCommit = "PrepareCommit"
    case prepareAbort = "PrepareAbort"
    case completeCommit = "CompleteCommit"
    case completeAbort = "CompleteAbort"
    case dead = "Dead"
    case prepareEpochFence = "PrepareEpochFence"

    /// Kafka's name for the state, as ListTransactions filters and reports it.
    public var name: String { rawValue }

    /// Kafka's numeric id of the state in `__transaction_state` records.
    var storedID: Int8 {
        switch self {
        case .empty: 0
        case .ongoing: 1
        case .prepareCommit: 2
        case .prepareAbort: 3
        case .completeCommit: 4
        case .completeAbort: 5
        case .dead: 6
        case .prepareEpochFence: 7
        }
    }

    init?(storedID: Int8) {
        guard let state = Self.allCases.first(where: { $0.storedID == storedID }) else { return nil }
        self = state
    }

    /// Markers are being written: the transaction has ended for the client but not yet
    /// on every partition.
    var isPreparing: Bool { self == .prepareCommit || self == .prepareAbort }
}
