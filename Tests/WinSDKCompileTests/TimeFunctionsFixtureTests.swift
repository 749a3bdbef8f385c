import IOKernel
import IOSimXCTest
import ucrt
import WinSDK
import XCTest

/// The CRT's time functions as swift-log's StreamLogHandler stamps a line on Windows
/// (`_time64`, `_localtime64_s`, `strftime` with "%Y-%m-%dT%H:%M:%S%z"), on the simulated clock
/// (2024-01-01 00:00:00 UTC at the start, UTC the machine's zone), and strftime's other "C"
/// locale conversions as Microsoft's strftime page defines them (the expected strings are what
/// C's strftime gives for the same times). `tm` is qualified: XCTest brings Glibc's.
final class TimeFunctionsFixtureTests: XCTestCase {
    private func timestamp() -> String {
        var buffer = [Int8](repeating: 0, count: 255)
        var timestamp = __time64_t()
        _ = _time64(&timestamp)
        var localTime = ucrt.tm()
        _ = _localtime64_s(&localTime, &timestamp)
        _ = ucrt.strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &localTime)
        return buffer.withUnsafeBufferPointer { $0.withMemoryRebound(to: CChar.self) { String(cString: $0.baseAddress!) } }
    }

    private func format(_ format: String, _ seconds: __time64_t, size: Int = 256) -> String {
        var time = seconds
        var broken = ucrt.tm()
        XCTAssertEqual(_gmtime64_s(&broken, &time), 0)
        var buffer = [CChar](repeating: 0x7F, count: size)
        let count = ucrt.strftime(&buffer, size, format, &broken)
        let text = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return "\(count) \(String(decoding: text, as: UTF8.self))"
    }

    func testSwiftLogsTimestampOnTheSimulatedClock() {
        let sim = checkedSimulation()
        var stamps: [String] = []
        var seconds: __time64_t = 0
        sim.run {
            stamps.append(timestamp())
            Sleep(5_000)
            stamps.append(timestamp())
            seconds = _time64(nil)
        }
        XCTAssertEqual(stamps, ["2024-01-01T00:00:00+0000", "2024-01-01T00:00:05+0000"])
        XCTAssertEqual(seconds, 1_704_067_205)
    }

    func testBrokenDownTimesAndConversions() {
        var time: __time64_t = 1_735_650_309  // 2024-12-31 13:05:09 UTC, a Tuesday, day 366
        var broken = ucrt.tm()
        XCTAssertEqual(_localtime64_s(&broken, &time), 0)
        XCTAssertEqual(broken, ucrt.tm(tm_sec: 9, tm_min: 5, tm_hour: 13, tm_mday: 31, tm_mon: 11, tm_year: 124, tm_wday: 2,
                                       tm_yday: 365, tm_isdst: 0))
        XCTAssertEqual(format("%a %A %b %B %C %d %e %j %m %p %I %u %w %U %W %V %G %g %y", time),
                       "70 Tue Tuesday Dec December 20 31 31 366 12 PM 01 2 2 52 53 01 2025 25 24")
        XCTAssertEqual(format("%D %F %T %R %r %c %%", time), "73 12/31/24 2024-12-31 13:05:09 13:05 01:05:09 PM Tue Dec 31 13:05:09 2024 %")
        XCTAssertEqual(format("%#d.%#m %#H", 1_609_459_200), "5 1.1 0")
        XCTAssertEqual(format("%U %W %V %G %a", 1_609_459_200), "17 00 00 53 2020 Fri", "2021-01-01 is in ISO week 53 of 2020")
        // Too small for the characters and the NUL: 0, and the buffer starts with a NUL.
        XCTAssertEqual(format("%Y-%m-%d", time, size: 10), "0 ")
        XCTAssertEqual(format("%Y-%m-%d", time, size: 11), "10 2024-12-31")
        // Bad arguments: EINVAL.
        var negative: __time64_t = -1
        XCTAssertEqual(_gmtime64_s(&broken, &negative), ucrt.EINVAL)
        XCTAssertEqual(broken.tm_year, -1)
        XCTAssertEqual(_gmtime64_s(nil, &time), ucrt.EINVAL)
        XCTAssertEqual(format("%Q", time), "0 ")
    }
}
