/// The back-off rule WaitBatch applies to polls and sweeps: a try that found something is tried again at the
/// next wait; after one that found nothing the next 1, 2, 4 ... 64 waits skip it.
@testable import TraceModel
@testable import Kernel
@testable import PtraceEngine
@testable import StraceReader
import Testing

@Suite("Wait back-off")
struct WaitBatchTests {
    @Test("misses space the tries out 1, 2, 4 ... 64 waits apart; a hit resets")
    func backOff() {
        var spacing = 0
        var skips: [Int] = []
        for _ in 0..<9 {
            let next = WaitBatch.backOff(found: false, spacing: spacing)
            skips.append(next.skip)
            spacing = next.spacing
        }
        #expect(skips == [1, 2, 4, 8, 16, 32, 64, 64, 64])
        let hit = WaitBatch.backOff(found: true, spacing: spacing)
        #expect(hit.skip == 0 && hit.spacing == 0)
        #expect(WaitBatch.backOff(found: false, spacing: hit.spacing).skip == 1)
    }
}
