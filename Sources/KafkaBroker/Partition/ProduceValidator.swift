import KafkaProtocol
import NIOCore

/// Checks one partition's `records` of a Produce request the way a Kafka 4.0 leader
/// does, and returns the batch to append or Kafka's error.
///
/// Pure: no I/O, no clock (the caller passes `nowMilliseconds`), no producer state
/// (sequence and epoch checks need the partition's state under its lock; see
/// ``ProducerStateManager``). The checks run in Kafka's order, because when a batch
/// breaks several rules the first one decides the error code:
///
/// 1. `KafkaApis`: a transactional batch needs a transactional id (53).
/// 2. `ProduceRequest.validateRecords` (v3+): at least one batch, magic 2, zstd only
///    from Produce v7 (76), exactly one batch (87). Errors here carry log start offset -1.
/// 3. `ReplicaManager`: KIP-890 verification that the partition is in the producer's
///    ongoing transaction (49 when it is not).
/// 4. `UnifiedLog.analyzeAndValidateRecords`: baseOffset 0 (87), size against
///    `max.message.bytes` (10), CRC (2).
/// 5. `LogValidator.validateBatch`: offset range and count (87), no control batches
///    (87), a producer id needs a sequence (87).
/// 6. `LogValidator` per record: keys in compacted topics (87), timestamps (32), with
///    RecordErrors; then the in-place header rewrite, or a rebuild (recompression).
///
/// The steps after this one (producer epoch and sequence, duplicates, assigning
/// offsets) are ``Partition``'s.
public struct ProduceValidator: Sendable {
    public var topicPartition: TopicPartition
    public var settings: ProduceSettings

    public init(topicPartition: TopicPartition, settings: ProduceSettings) {
        self.topicPartition = topicPartition
        self.settings = settings
    }

    public init(topicPartition: TopicPartition, topicConfig: TopicConfig) {
        self.init(topicPartition: topicPartition, settings: ProduceSettings(topicConfig: topicConfig))
    }

    /// Validates the `records` field of one partition of a Produce request.
    public func validate(
        _ records: ByteBuffer?, request: ProduceRequestContext, nowMilliseconds: Int64
    ) -> Result<ValidatedBatch, ProduceRejection> {
        do {
            return .success(try validateOrThrow(records ?? ByteBuffer(), request: request, now: nowMilliseconds))
        } catch {
            return .failure(error)
        }
    }

    private func validateOrThrow(_ records: ByteBuffer, request: ProduceRequestContext, now: Int64) throws(ProduceRejection)
        -> ValidatedBatch
    {
        // 1. KafkaApis.handleProduceRequest fails the whole request when any batch is
        // transactional and the request names no transactional id. The handler should
        // apply this request-wide (see `containsTransactionalBatch`); it is repeated
        // here so a partition can never get past it.
        if request.transactionalId == nil, Self.containsTransactionalBatch(records) {
            throw ProduceRejection(
                .transactionalIdAuthorizationFailed, "Transactional records require a transactional id",
                reportsLogStartOffset: false)
        }

        // 2. ProduceRequest.validateRecords.
        let bytes = try firstBatch(of: records, requestVersion: request.requestVersion)

        // 3. KIP-890 verification (ReplicaManager, before the log sees the batch): only
        // batches with a producer id are verified, as in Kafka.
        let header = RawHeader(bytes)
        if header.isTransactional, header.producerId >= 0 {
            let code = request.verifyTransaction(header.producerId, header.producerEpoch)
            if code != .none {
                throw ProduceRejection(
                    code,
                    "The partition \(topicPartition) is not part of an ongoing transaction of producer \(header.producerId)",
                    errorMessage: "The partition has not been added to the transaction",
                    reportsLogStartOffset: false)
            }
        }

        // 4. UnifiedLog.analyzeAndValidateRecords.
        try checkLogRules(header, bytes: bytes)
        let batch: RecordBatch
        do {
            batch = try RecordBatch(validating: bytes)
        } catch {
            // Codec bits 5-7: Kafka's CompressionType.forId throws IllegalArgumentException,
            // which is no ApiException, so the client sees UNKNOWN_SERVER_ERROR.
            throw ProduceRejection(.unknownServerError, "\(error)", reportsLogStartOffset: true)
        }

        // 5. LogValidator.validateBatch.
        try checkBatchRules(batch)

        // 6. Records, timestamps, rewrite.
        return try validateRecords(of: batch, now: now)
    }

    /// Whether any batch in `records` has the transactional bit (Kafka's
    /// `RequestUtils.hasTransactionalRecords`). A Produce request with such a batch
    /// and no transactional id fails as a whole with TRANSACTIONAL_ID_AUTHORIZATION_FAILED
    /// (53) on every partition; the request handler checks every partition with this
    /// before validating any of them.
    public static func containsTransactionalBatch(_ records: ByteBuffer) -> Bool {
        var index = records.readerIndex
        while index + RecordBatch.headerSize <= records.writerIndex {
            let header = RawHeader(records.getSlice(at: index, length: RecordBatch.headerSize)!)
            guard header.magic == RecordBatch.currentMagic, header.batchLength >= RecordBatch.minimumBatchLength else {
                return false
            }
            if header.isTransactional { return true }
            index += header.totalSize
        }
        return false
    }

    // MARK: Request rules

    /// Kafka's `ProduceRequest.validateRecords` for v3+, reading batches as its
    /// `ByteBufferLogInputStream` does: a batch that runs past the end is not there
    /// (so a truncated only batch is "no batch", 87), while a size below 14 bytes or a
    /// magic outside 0...2 is CORRUPT_MESSAGE. Bytes after the first batch that are not
    /// a whole batch are dropped, as Kafka's `trimInvalidBytes` drops them.
    private func firstBatch(of records: ByteBuffer, requestVersion: Int16) throws(ProduceRejection) -> ByteBuffer {
        func invalid(_ message: String) -> ProduceRejection {
            ProduceRejection(.invalidRecord, message, reportsLogStartOffset: false)
        }
        guard let firstSize = try Self.nextBatchSize(records, at: records.readerIndex) else {
            throw invalid("Produce requests with version \(requestVersion) must have at least one record batch per partition")
        }
        let start = records.readerIndex
        let magic = records.getInteger(at: start + 16, as: Int8.self)!
        guard magic == RecordBatch.currentMagic else {
            throw invalid(
                "Produce requests with version \(requestVersion) are only allowed to contain record batches with magic version 2")
        }
        let codecBits = records.getInteger(at: start + 21, as: Int16.self).map { $0 & CompressionCodec.attributeMask }
        if requestVersion < 7, codecBits == CompressionCodec.zstd.rawValue {
            throw ProduceRejection(
                .unsupportedCompressionType,
                "Produce requests with version \(requestVersion) are not allowed to use ZStandard compression",
                reportsLogStartOffset: false)
        }
        if requestVersion < 7, let codecBits, CompressionCodec(attributes: codecBits) == nil {
            // Kafka asks for the codec here only below v7; an undefined one throws a
            // non-API exception, which fails the request with UNKNOWN_SERVER_ERROR.
            throw ProduceRejection(.unknownServerError, "Unknown compression type id: \(codecBits)", reportsLogStartOffset: false)
        }
        if try Self.nextBatchSize(records, at: start + firstSize) != nil {
            throw invalid(
                "Produce requests with version \(requestVersion) are only allowed to contain exactly one record batch per partition")
        }
        return records.getSlice(at: start, length: firstSize)!
    }

    /// The size of the batch at `index` if it is wholly there (Kafka's `nextBatchSize`
    /// plus the "remaining < size" test of `nextBatch`), nil if it is not.
    private static func nextBatchSize(_ records: ByteBuffer, at index: Int) throws(ProduceRejection) -> Int? {
        let remaining = records.writerIndex - index
        guard remaining >= RecordBatch.logOverhead else { return nil }
        let batchLength = records.getInteger(at: index + 8, as: Int32.self)!
        // LegacyRecord.RECORD_OVERHEAD_V0: the smallest thing any magic could be.
        guard batchLength >= 14 else {
            throw ProduceRejection(
                .corruptMessage, "Record size \(batchLength) is less than the minimum record overhead (14)",
                reportsLogStartOffset: false)
        }
        guard remaining >= RecordBatch.bytesToMagic else { return nil }
        let magic = records.getInteger(at: index + 16, as: Int8.self)!
        guard (0...RecordBatch.currentMagic).contains(magic) else {
            throw ProduceRejection(.corruptMessage, "Invalid magic found in record: \(magic)", reportsLogStartOffset: false)
        }
        let size = Int(batchLength) + RecordBatch.logOverhead
        return remaining >= size ? size : nil
    }

    // MARK: Log rules

    /// UnifiedLog.analyzeAndValidateRecords, in its order.
    private func checkLogRules(_ header: RawHeader, bytes: ByteBuffer) throws(ProduceRejection) {
        guard header.baseOffset == 0 else {
            throw ProduceRejection(
                .invalidRecord,
                "The baseOffset of the record batch in the append to \(topicPartition) should be 0, but it is \(header.baseOffset)",
                reportsLogStartOffset: true)
        }
        guard bytes.readableBytes <= settings.maxMessageBytes else {
            throw ProduceRejection(
                .messageTooLarge,
                "The record batch size in the append to \(topicPartition) is \(bytes.readableBytes) bytes which exceeds "
                    + "the maximum configured value of \(settings.maxMessageBytes).",
                reportsLogStartOffset: false)
        }
        // DefaultRecordBatch.isValid: the whole header is there and the CRC matches.
        guard bytes.readableBytes >= RecordBatch.headerSize, header.crc == Self.crc(of: bytes) else {
            throw ProduceRejection(
                .corruptMessage, "Record is corrupt (stored crc = \(header.crc)) in topic partition \(topicPartition).",
                reportsLogStartOffset: false)
        }
    }

    static func crc(of bytes: ByteBuffer) -> UInt32 {
        let start = bytes.readerIndex + 21
        return CRC32C.checksum(bytes, at: start, length: bytes.writerIndex - start) ?? 0
    }

    /// LogValidator.validateBatch for a client's batch.
    private func checkBatchRules(_ batch: RecordBatch) throws(ProduceRejection) {
        func invalid(_ message: String) -> ProduceRejection {
            ProduceRejection(.invalidRecord, message, reportsLogStartOffset: true)
        }
        let countFromOffsets = Int64(batch.lastOffsetDelta) + 1
        guard countFromOffsets > 0 else {
            throw invalid(
                "Batch has an invalid offset range: [\(batch.baseOffset), \(batch.lastOffset)] in topic partition \(topicPartition)")
        }
        let count = Int64(batch.recordCount)
        guard count > 0 else {
            throw invalid("Invalid reported count for record batch: \(count) in topic partition \(topicPartition)")
        }
        guard countFromOffsets == count else {
            throw invalid(
                "Inconsistent batch offset range [\(batch.baseOffset), \(batch.lastOffset)] and count of records \(count) "
                    + "in topic partition \(topicPartition)")
        }
        guard !batch.isControl else {
            throw invalid("Clients are not allowed to write control records in topic partition \(topicPartition)")
        }
        if batch.producerId >= 0, batch.baseSequence < 0 {
            throw invalid(
                "Invalid sequence number \(batch.baseSequence) in record batch with producerId \(batch.producerId) "
                    + "in topic partition \(topicPartition)")
        }
    }
}
