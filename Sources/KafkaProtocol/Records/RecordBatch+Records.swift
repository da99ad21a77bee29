import NIOCore

extension RecordBatch {
    /// Decodes the batch's records, decompressing them first when `codec != .none`.
    ///
    /// The batch must hold exactly `recordCount` records filling the records section:
    /// a count that disagrees in either direction, a record whose length prefix lies,
    /// a negative length other than -1 or an over-long varint is an error. The CRC is
    /// not checked here; call `verifyCRC()` for that.
    ///
    /// - Parameter maxDecompressedSize: the most bytes the records may take once
    ///   decompressed; a batch that would expand further is rejected (decompression bomb).
    /// - Throws: `KafkaProtocolError` carrying this batch's base offset.
    public func records(maxDecompressedSize: Int) throws -> [Record] {
        do {
            let count = recordCount
            guard count >= 0 else {
                throw KafkaProtocolError(.corruptBatch("negative record count \(count)"), offset: Field.recordCount)
            }
            var section = try codec.decompress(recordsSection, maxDecompressedSize: maxDecompressedSize)
            // Every record takes at least 7 bytes, so a count above the section size
            // cannot be honest; this also keeps reserveCapacity bounded by the input.
            var records: [Record] = []
            records.reserveCapacity(min(Int(count), section.readableBytes / 7))
            while records.count < count {
                guard section.readableBytes > 0 else {
                    throw KafkaProtocolError(
                        .corruptBatch("batch says \(count) records, found \(records.count)"),
                        offset: section.readerIndex)
                }
                records.append(try Record.read(from: &section))
            }
            guard section.readableBytes == 0 else {
                throw KafkaProtocolError(
                    .corruptBatch(
                        "batch says \(count) records, found more (\(section.readableBytes) bytes after record \(count))"),
                    offset: section.readerIndex)
            }
            return records
        } catch let error as KafkaProtocolError {
            throw error.inBatch(baseOffset: baseOffset)
        }
    }

    /// The transaction markers of a control batch, one per record (Kafka writes one).
    ///
    /// - Throws: `.corruptBatch` when the batch is not a control batch or a record is
    ///   not a valid marker.
    public func controlRecords() throws -> [ControlRecord] {
        guard isControl else {
            throw KafkaProtocolError(.corruptBatch("not a control batch"), batchBaseOffset: baseOffset)
        }
        // Control records are a few bytes each; a small limit is plenty.
        return try records(maxDecompressedSize: 1 << 20).map { record in
            do {
                return try ControlRecord(record)
            } catch let error as KafkaProtocolError {
                throw error.inBatch(baseOffset: baseOffset)
            }
        }
    }
}
