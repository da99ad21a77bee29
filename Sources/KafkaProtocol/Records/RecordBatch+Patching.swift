import NIOCore

// Rewriting header fields of a batch where it lies, in a Fetch response or in a
// Produce request being assembled.
//
// baseOffset and partitionLeaderEpoch lie before the CRC-covered range (bytes
// 21..end), which is exactly why a broker (and a mirror) can rewrite them for free:
// those setters write 8 or 4 bytes and nothing else. The other header fields are
// covered by the CRC, so changing them recomputes it, at a cost proportional to the
// batch size.
//
// About copies: ByteBuffer is copy-on-write. Patching a buffer whose storage is also
// referenced elsewhere (for example a RecordBatch slice while the Fetch response that
// holds it is still alive) copies that buffer's bytes first. The mirror's passthrough
// path avoids this by patching the outgoing Produce request buffer after appending the
// batch to it, with `setRecordBatchBaseOffset(_:at:)`.

extension ByteBuffer {
    /// Sets the baseOffset of the batch starting at index `batchIndex`. Writes 8 bytes;
    /// the CRC stays valid because baseOffset is not covered by it.
    public mutating func setRecordBatchBaseOffset(_ baseOffset: Int64, at batchIndex: Int) {
        precondition(batchIndex >= 0 && batchIndex + RecordBatch.headerSize <= writerIndex, "no batch header at \(batchIndex)")
        setInteger(baseOffset, at: batchIndex + RecordBatch.Field.baseOffset)
    }

    /// Sets the partitionLeaderEpoch of the batch starting at index `batchIndex`. Writes
    /// 4 bytes; not covered by the CRC.
    public mutating func setRecordBatchPartitionLeaderEpoch(_ epoch: Int32, at batchIndex: Int) {
        precondition(batchIndex >= 0 && batchIndex + RecordBatch.headerSize <= writerIndex, "no batch header at \(batchIndex)")
        setInteger(epoch, at: batchIndex + RecordBatch.Field.partitionLeaderEpoch)
    }

    /// Rewrites CRC-covered header fields of the batch starting at `batchIndex` and
    /// recomputes its CRC (once, whatever the number of fields). Nil leaves a field as it is.
    ///
    /// - Throws: `KafkaProtocolError` when no complete v2 batch starts at `batchIndex`.
    public mutating func setRecordBatchHeader(
        at batchIndex: Int,
        attributes: RecordBatchAttributes? = nil,
        maxTimestamp: Int64? = nil,
        producerId: Int64? = nil,
        producerEpoch: Int16? = nil,
        baseSequence: Int32? = nil
    ) throws {
        guard batchIndex >= 0, batchIndex <= writerIndex, var view = getSlice(at: batchIndex, length: writerIndex - batchIndex),
            let batch = try RecordBatch.read(from: &view)
        else {
            throw KafkaProtocolError(.truncated(needed: RecordBatch.headerSize), offset: batchIndex)
        }
        typealias Field = RecordBatch.Field
        if let attributes { setInteger(attributes.rawValue, at: batchIndex + Field.attributes) }
        if let maxTimestamp { setInteger(maxTimestamp, at: batchIndex + Field.maxTimestamp) }
        if let producerId { setInteger(producerId, at: batchIndex + Field.producerId) }
        if let producerEpoch { setInteger(producerEpoch, at: batchIndex + Field.producerEpoch) }
        if let baseSequence { setInteger(baseSequence, at: batchIndex + Field.baseSequence) }
        updateRecordBatchCRC(at: batchIndex, size: batch.sizeInBytes)
    }

    /// Recomputes and stores the CRC of the `size`-byte batch at `batchIndex`.
    mutating func updateRecordBatchCRC(at batchIndex: Int, size: Int) {
        let start = batchIndex + RecordBatch.crcStart
        let crc = CRC32C.checksum(self, at: start, length: size - RecordBatch.crcStart)!
        setInteger(crc, at: batchIndex + RecordBatch.Field.crc)
    }
}

extension RecordBatch {
    /// Sets baseOffset (not CRC-covered: the CRC is left alone).
    public mutating func setBaseOffset(_ baseOffset: Int64) {
        bytes.setRecordBatchBaseOffset(baseOffset, at: bytes.readerIndex)
    }

    /// Sets partitionLeaderEpoch (not CRC-covered: the CRC is left alone).
    public mutating func setPartitionLeaderEpoch(_ epoch: Int32) {
        bytes.setRecordBatchPartitionLeaderEpoch(epoch, at: bytes.readerIndex)
    }

    /// Rewrites CRC-covered header fields and recomputes the CRC once. Nil leaves a field as it is.
    public mutating func setHeader(
        attributes: RecordBatchAttributes? = nil,
        maxTimestamp: Int64? = nil,
        producerId: Int64? = nil,
        producerEpoch: Int16? = nil,
        baseSequence: Int32? = nil
    ) {
        typealias Field = RecordBatch.Field
        let start = bytes.readerIndex
        if let attributes { bytes.setInteger(attributes.rawValue, at: start + Field.attributes) }
        if let maxTimestamp { bytes.setInteger(maxTimestamp, at: start + Field.maxTimestamp) }
        if let producerId { bytes.setInteger(producerId, at: start + Field.producerId) }
        if let producerEpoch { bytes.setInteger(producerEpoch, at: start + Field.producerEpoch) }
        if let baseSequence { bytes.setInteger(baseSequence, at: start + Field.baseSequence) }
        bytes.updateRecordBatchCRC(at: start, size: bytes.readableBytes)
    }

    /// Sets attributes and recomputes the CRC.
    public mutating func setAttributes(_ attributes: RecordBatchAttributes) {
        setHeader(attributes: attributes)
    }

    /// Sets maxTimestamp and recomputes the CRC.
    public mutating func setMaxTimestamp(_ maxTimestamp: Int64) {
        setHeader(maxTimestamp: maxTimestamp)
    }

    /// Sets producerId and recomputes the CRC.
    public mutating func setProducerId(_ producerId: Int64) {
        setHeader(producerId: producerId)
    }

    /// Sets producerEpoch and recomputes the CRC.
    public mutating func setProducerEpoch(_ producerEpoch: Int16) {
        setHeader(producerEpoch: producerEpoch)
    }

    /// Sets baseSequence and recomputes the CRC.
    public mutating func setBaseSequence(_ baseSequence: Int32) {
        setHeader(baseSequence: baseSequence)
    }
}
