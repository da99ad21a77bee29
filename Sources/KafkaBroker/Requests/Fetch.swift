import KafkaProtocol
import NIOCore

extension RequestRouter {
    /// Fetch (v4-17) with incremental fetch sessions (KIP-227) and long polling.
    ///
    /// The session cache decides which partitions to read and which to report; each
    /// partition is read from its fetch offset up to its max bytes, within the request's
    /// max bytes, whole batches only, and at least one batch from the first partition
    /// that has data even when it is larger than the limits (so a consumer never stalls
    /// on a large batch). When fewer than `minBytes` are available the request waits up
    /// to `maxWaitMs` for an append to one of its partitions. Errors answer at once.
    func fetch(_ request: FetchRequest, _ context: RequestContext) async -> FetchResponse {
        let version = context.version
        let sessions = core.fetchSessions
        let fetchContext = sessions.begin(request, version: version) { [core] id in core.metadata.topic(id: id)?.name }
        if fetchContext.sessionError != nil {
            return sessions.complete(fetchContext, responses: []).fetchResponse()
        }
        let readCommitted = version >= 4 && request.isolationLevel == 1
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(max(0, request.maxWaitMs))))
        var mark = core.waiters.mark()
        var (responses, bytes, hasError) = readPartitions(fetchContext.partitions, request, readCommitted: readCommitted, context)
        while bytes < Int(request.minBytes), request.maxWaitMs > 0, !hasError, !fetchContext.partitions.isEmpty {
            let reason = await core.waiters.wait(for: fetchContext.watchedPartitions, until: deadline, since: mark)
            mark = core.waiters.mark()
            (responses, bytes, hasError) = readPartitions(fetchContext.partitions, request, readCommitted: readCommitted, context)
            if reason != .notified { break }
        }
        return sessions.complete(fetchContext, responses: responses).fetchResponse()
    }

    private func readPartitions(
        _ plans: [FetchPartitionPlan], _ request: FetchRequest, readCommitted: Bool, _ context: RequestContext
    ) -> (responses: [FetchResponse.PartitionData], bytes: Int, hasError: Bool) {
        var remaining = context.version >= 3 ? Int(request.maxBytes) : Int(Int32.max)
        // A follower needs CLUSTER_ACTION on the cluster, a consumer READ on each topic
        // (Kafka's `handleFetchRequest`); either way a refusal is per partition.
        let followerAllowed =
            FetchSessionCache.isFromFollower(request, version: context.version) ? isAuthorizedOnCluster(context, .clusterAction) : nil
        var total = 0
        var hasError = false
        let responses = plans.map { plan -> FetchResponse.PartitionData in
            var data = FetchResponse.PartitionData(
                partitionIndex: plan.partition, errorCode: 0, highWatermark: -1, lastStableOffset: -1, logStartOffset: -1,
                abortedTransactions: readCommitted ? [] : nil, preferredReadReplica: -1, records: ByteBuffer())
            func fail(_ code: KafkaErrorCode) -> FetchResponse.PartitionData {
                hasError = true
                data.errorCode = code.rawValue
                return data
            }
            if let unresolved = plan.unresolvedError { return fail(unresolved) }
            guard let topicPartition = plan.topicPartition else { return fail(.unknownTopicOrPartition) }
            guard followerAllowed ?? isAuthorized(context, .read, .topic, topicPartition.topic) else {
                return fail(.topicAuthorizationFailed)
            }
            if let error = leaderError(topicPartition, currentLeaderEpoch: plan.currentLeaderEpoch, context) {
                if error == .notLeaderOrFollower, let info = core.metadata.partition(topicPartition) {
                    // KIP-951: point the client at the new leader.
                    data.currentLeader = .init(leaderId: info.leader, leaderEpoch: info.leaderEpoch)
                }
                return fail(error)
            }
            let partition = core.partition(topicPartition)!
            let logStart = partition.logStartOffset
            let highWatermark = partition.highWatermark
            // Below the log start or past the log end: OFFSET_OUT_OF_RANGE with -1 offsets,
            // as the real broker answers (FINDINGS e).
            guard plan.fetchOffset >= logStart, plan.fetchOffset <= partition.logEndOffset else {
                return fail(.offsetOutOfRange)
            }
            let lastStableOffset = partition.lastStableOffset
            data.highWatermark = highWatermark
            data.lastStableOffset = lastStableOffset
            data.logStartOffset = logStart
            // read_committed reads up to the last stable offset only (KIP-98); the
            // client drops aborted batches itself with the list below (FINDINGS f).
            let upperBound = readCommitted ? lastStableOffset : highWatermark
            let limit = min(Int(plan.maxBytes), remaining)
            guard plan.fetchOffset < upperBound, limit > 0 || total == 0 else { return data }
            do {
                let read = try partition.read(
                    from: plan.fetchOffset, maxBytes: max(0, limit), minOneBatch: total == 0, upperBound: upperBound)
                data.records = read.records
                if readCommitted {
                    let end = Self.offsetAfterLastBatch(read.records) ?? plan.fetchOffset
                    data.abortedTransactions = partition.abortedTransactions(from: plan.fetchOffset, upTo: end).map {
                        .init(producerId: $0.producerId, firstOffset: $0.firstOffset)
                    }
                }
                total += read.records.readableBytes
                remaining -= read.records.readableBytes
            } catch {
                context.logger.error("reading \(topicPartition) at \(plan.fetchOffset) failed: \(error)")
                return fail(.kafkaStorageError)
            }
            return data
        }
        return (responses, total, hasError)
    }

    /// The offset after the last whole batch of a read (nil when it holds none): the
    /// upper end of the range whose aborted transactions a read_committed reader needs.
    static func offsetAfterLastBatch(_ records: ByteBuffer) -> Int64? {
        var next: Int64?
        var iterator = RecordBatchSequence(records).makeIterator()
        while let batch = try? iterator.next() {
            next = batch.nextOffset
        }
        return next
    }
}
