import KafkaClient
import KafkaProtocol
import NIOCore
import Synchronization

/// Sends the partition workers' batches to each destination broker, several
/// partitions per Produce request when they pile up.
///
/// Per broker, up to `maximumInFlight` requests are outstanding. A batch that arrives
/// while a slot is free goes at once, alone, so latency is a single round trip; batches
/// that arrive while every slot is busy wait and leave together in the next request,
/// one batch per partition (Kafka refuses two batches for one partition in one request,
/// so a second batch for the same partition waits for the request after). Under load
/// this turns one request per batch into one request per round trip, which is most of
/// the per-batch cost of mirroring.
final class ProduceCoalescer: Sendable {
    typealias Completion = @Sendable (Result<ProduceResult, KafkaClientError>) -> Void

    private struct Pending {
        var partition: TopicPartitionID
        var batch: ByteBuffer
        var completion: Completion
    }

    private struct Broker {
        var inFlight = 0
        var queue: [Pending] = []
    }

    private struct Job: Sendable {
        var node: Int32
        var request: [Pending]
    }

    private struct State {
        var brokers: [Int32: Broker] = [:]
        var closed = false
    }

    private let client: KafkaClient
    private let timeout: Duration
    private let maximumInFlight: Int
    /// The largest request it assembles; a batch larger than this still goes, alone.
    private let maximumRequestBytes: Int
    private let state = Mutex(State())
    private let jobs: AsyncStream<Job>
    private let jobSink: AsyncStream<Job>.Continuation

    init(client: KafkaClient, timeout: Duration, maximumInFlight: Int = 5, maximumRequestBytes: Int = 1 << 20) {
        self.client = client
        self.timeout = timeout
        self.maximumInFlight = maximumInFlight
        self.maximumRequestBytes = maximumRequestBytes
        (jobs, jobSink) = AsyncStream.makeStream(of: Job.self)
    }

    /// Sends requests until `shutdown`; each request runs as a child task of this one.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await job in jobs {
                group.addTask { await self.execute(job) }
            }
        }
    }

    /// Stops taking batches: queued ones fail at once (the workers are being cancelled
    /// too), requests already sent finish.
    func shutdown() {
        let abandoned: [Pending] = state.withLock { state in
            state.closed = true
            defer { state.brokers = [:] }
            return state.brokers.values.flatMap(\.queue)
        }
        jobSink.finish()
        for pending in abandoned { pending.completion(.failure(KafkaClientError(.closed))) }
    }

    /// Produces one batch (base offset already zeroed) to `node` with acks=all.
    func produce(_ batch: ByteBuffer, to partition: TopicPartitionID, on node: Int32) async -> Result<ProduceResult, KafkaClientError> {
        await withCheckedContinuation { continuation in
            enqueue(Pending(partition: partition, batch: batch, completion: { continuation.resume(returning: $0) }), node: node)
        }
    }

    private func enqueue(_ pending: Pending, node: Int32) {
        enum Next { case refused, none, send([Pending]) }
        let next: Next = state.withLock { state in
            if state.closed { return .refused }
            var broker = state.brokers[node] ?? Broker()
            broker.queue.append(pending)
            var next = Next.none
            if broker.inFlight < maximumInFlight {
                next = .send(Self.take(from: &broker.queue, limit: maximumRequestBytes))
                broker.inFlight += 1
            }
            state.brokers[node] = broker
            return next
        }
        switch next {
        case .refused: pending.completion(.failure(KafkaClientError(.closed)))
        case .none: break
        case .send(let request): jobSink.yield(Job(node: node, request: request))
        }
    }

    /// The queued batches that go in one request: in arrival order, one per partition,
    /// up to the byte limit (at least one).
    private static func take(from queue: inout [Pending], limit: Int) -> [Pending] {
        var taken: [Pending] = []
        var rest: [Pending] = []
        var partitions = Set<TopicPartitionID>()
        var bytes = 0
        for pending in queue {
            if partitions.contains(pending.partition) || (!taken.isEmpty && bytes + pending.batch.readableBytes > limit) {
                rest.append(pending)
            } else {
                taken.append(pending)
                partitions.insert(pending.partition)
                bytes += pending.batch.readableBytes
            }
        }
        queue = rest
        return taken
    }

    private func execute(_ job: Job) async {
        let request = job.request
        do {
            let batches = Dictionary(uniqueKeysWithValues: request.map { ($0.partition, $0.batch) })
            let results = try await client.produce(batches, to: job.node, acks: -1, timeout: timeout)
            for pending in request {
                if let result = results[pending.partition] {
                    pending.completion(.success(result))
                } else {
                    pending.completion(.failure(KafkaClientError(
                        .protocolViolation("no answer for the partition"), topic: pending.partition.topic,
                        partition: pending.partition.partition)))
                }
            }
        } catch let error as KafkaClientError {
            for pending in request { pending.completion(.failure(error)) }
        } catch {
            for pending in request { pending.completion(.failure(KafkaClientError(.connectionFailed("\(error)")))) }
        }
        finished(node: job.node)
    }

    /// A request came back: the next one takes whatever queued up meanwhile.
    private func finished(node: Int32) {
        let next: [Pending]? = state.withLock { state in
            guard var broker = state.brokers[node] else { return nil }
            broker.inFlight -= 1
            var taken: [Pending]?
            if !broker.queue.isEmpty {
                taken = Self.take(from: &broker.queue, limit: maximumRequestBytes)
                broker.inFlight += 1
            }
            state.brokers[node] = broker
            return taken
        }
        if let next { jobSink.yield(Job(node: node, request: next)) }
    }
}
