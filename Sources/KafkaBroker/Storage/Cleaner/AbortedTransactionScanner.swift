import KafkaProtocol

/// Finds the aborted transactions of a log by reading it, in place of Kafka's
/// transaction index (`UnifiedLog.collectAbortedTransactions`), which this broker does
/// not keep yet.
///
/// A transaction starts at its producer's first transactional data batch after the
/// producer's previous marker and ends at its next marker. Reading from the first
/// segment gives the same answer as Kafka's index after any number of cleanings: the
/// cleaner drops aborted data, and once a transaction's data is gone its marker no
/// longer opens an entry here, just as the cleaned index no longer lists it.
///
/// This is the hook a transaction index replaces later: ``LogCleaner`` only needs the
/// list.
struct AbortedTransactionScanner {
    /// The aborted transactions whose markers lie below `upperBound`, ordered by first offset.
    static func collect(in segments: some Sequence<LogSegment>, upperBound: Int64) throws -> [AbortedTransaction] {
        var open: [Int64: Int64] = [:]  // producer id -> first offset of its transaction
        var aborted: [AbortedTransaction] = []
        scan: for segment in segments where segment.baseOffset < upperBound {
            var stop = false
            try segment.forEachBatch { batch in
                guard !stop else { return }
                guard batch.baseOffset < upperBound else {
                    stop = true
                    return
                }
                guard batch.producerId >= 0 else { return }
                if batch.isControl {
                    let first = open.removeValue(forKey: batch.producerId)
                    if let first, (try? batch.controlRecords().first?.type) == .abort {
                        aborted.append(AbortedTransaction(producerId: batch.producerId, firstOffset: first,
                                                          lastOffset: batch.baseOffset))
                    }
                } else if batch.isTransactional, open[batch.producerId] == nil {
                    open[batch.producerId] = batch.baseOffset
                }
            }
            if stop { break scan }
        }
        return aborted.sorted { $0.firstOffset < $1.firstOffset }
    }
}
