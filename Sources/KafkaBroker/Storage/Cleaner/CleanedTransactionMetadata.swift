import KafkaProtocol

/// Transaction state while the cleaner walks a log in offset order (Kafka's
/// `CleanedTransactionMetadata`): decides which batches belong to aborted transactions
/// (removed at once, without regard to keys) and which markers have outlived their
/// transaction's data (removable once past their delete horizon).
struct CleanedTransactionMetadata {
    private struct OngoingAbort {
        var transaction: AbortedTransaction
        /// Last offset of the last batch of the transaction met in this pass.
        var lastObservedBatchOffset: Int64?
    }

    /// Not yet reached, ordered by first offset.
    private var pending: [AbortedTransaction]
    private var nextPending = 0
    private var ongoingAborted: [Int64: OngoingAbort] = [:]
    /// Producers with a committed (not aborted) transaction whose batches this pass met.
    private var ongoingCommitted: Set<Int64> = []

    init(abortedTransactions: [AbortedTransaction]) {
        pending = abortedTransactions.sorted { $0.firstOffset < $1.firstOffset }
    }

    /// A data batch: true when it belongs to an aborted transaction and can go.
    mutating func onBatchRead(_ batch: RecordBatch) -> Bool {
        consumeAbortedTransactions(upTo: batch.lastOffset)
        guard batch.isTransactional else { return false }
        if ongoingAborted[batch.producerId] != nil {
            ongoingAborted[batch.producerId]!.lastObservedBatchOffset = batch.lastOffset
            return true
        }
        ongoingCommitted.insert(batch.producerId)
        return false
    }

    /// A control batch: true when no batch of its transaction was met in this pass, so
    /// the marker may go once its delete horizon has passed. An ABORT marker stays while
    /// its transaction's batches are still in the log (a read_committed consumer needs
    /// it to drop them); a COMMIT marker while the committed batches are.
    mutating func onControlBatchRead(_ batch: RecordBatch) -> Bool {
        consumeAbortedTransactions(upTo: batch.lastOffset)
        guard let marker = try? batch.controlRecords().first else {
            // An empty control batch was cleaned before: nothing depends on it.
            return true
        }
        switch marker.type {
        case .abort:
            let ongoing = ongoingAborted.removeValue(forKey: batch.producerId)
            return ongoing?.lastObservedBatchOffset == nil
        case .commit:
            return ongoingCommitted.remove(batch.producerId) == nil
        default:
            return false
        }
    }

    private mutating func consumeAbortedTransactions(upTo offset: Int64) {
        while nextPending < pending.count, pending[nextPending].firstOffset <= offset {
            let transaction = pending[nextPending]
            nextPending += 1
            if ongoingAborted[transaction.producerId] == nil {
                ongoingAborted[transaction.producerId] = OngoingAbort(transaction: transaction)
            }
        }
    }
}
