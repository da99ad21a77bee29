import KafkaProtocol

extension BrokerCore {
    /// The marker writer: writes the COMMIT or ABORT control batch of each queued
    /// transaction end to every partition of the transaction, commits a committed
    /// transaction's offsets in the group coordinator, then completes the transaction.
    /// Runs until the coordinator shuts down (a task of ``EmbeddedCluster/run()``).
    ///
    /// Order matters for crashes: markers, then offsets, then CompleteCommit. A restart
    /// before the end finds the transaction still in PrepareCommit/PrepareAbort and does
    /// the whole job again; partitions that already have the marker are skipped (see
    /// ``TransactionMarkerJob/isRecovery``) and offsets are committed again, which changes
    /// nothing.
    func runTransactionMarkers() async {
        for await job in transactions.markerJobs {
            writeMarkers(job)
        }
    }

    /// Writes one job's markers and completes its transaction. A marker the disk
    /// refused (KAFKA_STORAGE_ERROR) leaves the transaction in PrepareCommit/PrepareAbort,
    /// and ``runTransactionTimeouts()`` queues the job again later, as Kafka's marker
    /// channel retries; fencing errors are final, as in Kafka (the marker is dropped).
    func writeMarkers(_ job: TransactionMarkerJob) {
        var retry = false
        for topicPartition in job.partitions {
            guard let partition = partition(topicPartition) else {
                // The topic was deleted meanwhile: there is nothing left to close, as in Kafka.
                logger.info("transaction \(job.transactionalId): no partition \(topicPartition) for its marker any more")
                continue
            }
            if job.isRecovery, !partition.hasOpenTransaction(producerId: job.producerId) { continue }
            do {
                try partition.appendTransactionMarker(
                    producerId: job.producerId, producerEpoch: job.producerEpoch, isCommit: job.isCommit,
                    coordinatorEpoch: job.coordinatorEpoch)
            } catch {
                logger.error("transaction \(job.transactionalId): marker on \(topicPartition) refused: \(error)")
                if error.code == .kafkaStorageError { retry = true }
            }
        }
        guard !retry else { return }
        if job.isCommit, let metadata = transactions.transaction(job.transactionalId) {
            for (group, offsets) in metadata.pendingOffsets.sorted(by: { $0.key < $1.key }) where !offsets.isEmpty {
                if !groups.commitTransactionalOffsets(groupID: group, offsets: offsets) {
                    logger.error("transaction \(job.transactionalId): committing the offsets of group \(group) failed")
                }
            }
        }
        transactions.markersWritten(job)
    }

    /// Checks open transactions against their timeout every
    /// `timedOutTransactionCheckInterval` and aborts the expired ones; queues again the
    /// markers of transactions that have been ending for longer than
    /// ``TransactionCoordinator/markerRetryDelayMilliseconds`` (a marker write failed);
    /// forgets expired transactional ids.
    func runTransactionTimeouts() async throws {
        let interval = transactions.configuration.timedOutTransactionCheckInterval
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            transactions.abortTimedOutTransactions()
            transactions.requeueStuckMarkers()
            transactions.expireTransactionalIds()
        }
    }

    /// The node that coordinates `transactionalId`. Kafka places it by hashing the id
    /// over the partitions of `__transaction_state` (50 by default), exactly as groups
    /// over the 50 of `__consumer_offsets`, so the group placement serves both.
    func transactionCoordinatorNode(for transactionalId: String) -> Int32 {
        groups.coordinatorNode(for: transactionalId)
    }
}
