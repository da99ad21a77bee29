/// A span of the source log that holds transactions, to be replayed on the destination
/// in one burst once every transaction in it has its marker (DESIGN.md, transactions).
///
/// `plans` cover `[baseOffset, nextOffset)` contiguously, in offset order:
/// `.transactionalData` and `.transactionMarker` plans, and the plans of everything
/// else the source interleaved with them (other producers' batches, fillers), which must
/// be written at their offsets too.
///
/// What the engine must do (the transaction-replay work, DESIGN.md "Transactions need
/// care"): for each source producer id with a transaction in the span, use one
/// destination transactional id of Causeway's; persist its producer id, epoch and next
/// sequence in the checkpoint store before writing; then walk `plans` in order:
/// - `.transactionalData`: produce the batch with the transactional bit, under that
///   destination producer's id, epoch and sequence (CRC recomputed); baseOffset zeroed.
/// - `.transactionMarker`: end that destination transaction with the same outcome
///   (EndTxn commit or abort) and poll the destination log end until the coordinator's
///   marker occupies exactly `marker.baseOffset` (markers are written asynchronously,
///   KAFKA-RULES "Transactions").
/// - anything else: produce it as an ordinary plan.
/// Every Produce response's base offset must equal the plan's `baseOffset`. When the
/// whole span is written, report `PartitionMirror.transactionReplayed(destinationLogEnd:)`.
public struct TransactionReplay: Hashable, Sendable {
    public private(set) var plans: [BatchPlan] = []
    /// Source producer ids whose transaction has started in the span and not ended yet.
    public private(set) var openProducerIds: Set<Int64> = []

    public init() {}

    /// The first offset of the span.
    public var baseOffset: Int64 { plans.first?.baseOffset ?? 0 }
    /// The offset after the span: the destination log end once it is replayed.
    public var nextOffset: Int64 { plans.last?.nextOffset ?? 0 }
    /// Whether every transaction begun in the span has ended.
    public var isComplete: Bool { openProducerIds.isEmpty && !plans.isEmpty }
    /// Bytes of the source batches in the span.
    public var sourceBytes: Int { plans.reduce(0) { $0 + $1.sourceBytes } }
    /// The worst fidelity of the span's plans.
    public var fidelity: Fidelity { plans.map(\.fidelity).max() ?? .exact }

    /// Whether a marker for `producerId` ends a transaction of this span.
    public func isOpen(_ producerId: Int64) -> Bool {
        openProducerIds.contains(producerId)
    }

    /// Adds the next plan of the span; a transactional data batch opens its producer's
    /// transaction, a marker of an open one closes it.
    mutating func append(_ plan: BatchPlan) {
        precondition(plans.isEmpty || plan.baseOffset == nextOffset, "plans of a span must be contiguous")
        switch plan.kind {
        case .transactionalData(let data):
            openProducerIds.insert(data.producer.producerId)
        case .transactionMarker(let marker):
            openProducerIds.remove(marker.producer.producerId)
        case .passthrough, .rewritten, .fillers:
            break
        }
        plans.append(plan)
    }
}
