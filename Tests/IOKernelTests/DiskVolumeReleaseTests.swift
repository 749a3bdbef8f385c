@testable import IOKernel
import XCTest

/// The disk volume lets go of everything when its simulation ends, even with opens that were
/// never cleaned up: an entry lists its opens and an open names its entry, a cycle that
/// `simulationEnded` breaks (LeakSanitizer would report it otherwise; issue 10, finding 4).
final class DiskVolumeReleaseTests: XCTestCase {
    func testSimulationEndedBreaksTheEntryOpenCycle() {
        weak var file: DiskFile?
        weak var open: DiskOpen?
        do {
            let volume = FileSystemDriver()
            volume.setContents(Array("x".utf8), of: #"C:\data\a.txt"#)
            let entry = volume.lookUp(#"C:\data\a.txt"#).file
            XCTAssertNotNil(entry)
            let anOpen = DiskOpen(access: 0x8000_0000, share: 7, deleteOnClose: false)
            anOpen.file = entry
            entry?.opens.append(anOpen)
            anOpen.watch = DirectoryWatch(filter: 1, watchesSubtree: false, bufferLength: 64)
            file = entry
            open = anOpen
            volume.simulationEnded()
        }
        XCTAssertNil(file, "the entry was released")
        XCTAssertNil(open, "the open was released")
    }
}
