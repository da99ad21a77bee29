extension RecordBatch {
    /// Byte positions of the v2 header fields, from the start of the batch
    /// (KAFKA-RULES.md, "RecordBatch v2 header").
    enum Field {
        static let baseOffset = 0
        static let batchLength = 8
        static let partitionLeaderEpoch = 12
        static let magic = 16
        static let crc = 17
        static let attributes = 21
        static let lastOffsetDelta = 23
        static let baseTimestamp = 27
        static let maxTimestamp = 35
        static let producerId = 43
        static let producerEpoch = 51
        static let baseSequence = 53
        static let recordCount = 57
        static let records = 61
    }

    /// Size of the header: the records (or the compressed block) start here.
    public static let headerSize = 61
    /// Bytes before batchLength's count starts: baseOffset and batchLength themselves.
    public static let logOverhead = 12
    /// Bytes needed to read the magic byte, which decides how the rest is laid out.
    public static let bytesToMagic = 17
    /// The smallest valid batchLength: a header with no records.
    public static let minimumBatchLength = Int32(headerSize - logOverhead)
    /// The only record format this codec reads and writes.
    public static let currentMagic: Int8 = 2
    /// The CRC covers the batch from the attributes to the end.
    static let crcStart = Field.attributes
}
