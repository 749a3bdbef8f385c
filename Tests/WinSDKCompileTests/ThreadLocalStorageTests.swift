import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

private final class Freed {
    var values: [UInt] = []
}
nonisolated(unsafe) private var freed = Freed()
private let destructor: PFLS_CALLBACK_FUNCTION = { value in freed.values.append(UInt(bitPattern: value)) }

/// Thread and fiber local storage, thread descriptions and handle comparison as swift-nio's
/// ThreadWindows.swift uses them (FlsAlloc with a destructor for thread-specific values,
/// Get/SetThreadDescription for thread names, CompareObjectHandles for "is this the current
/// thread"); results from the reference pages of each function.
final class ThreadLocalStorageTests: XCTestCase {
    func testSlotsArePerProcessAndValuesPerThread() {
        let sim = checkedSimulation()
        sim.run {
            let tls = TlsAlloc()
            XCTAssertEqual(tls, 0, "the lowest free index")
            XCTAssertEqual(TlsAlloc(), 1)
            XCTAssertTrue(TlsFree(1))
            XCTAssertTrue(TlsSetValue(tls, UnsafeMutableRawPointer(bitPattern: 0x5000)))
            SetLastError(0xdead)
            XCTAssertEqual(UInt(bitPattern: TlsGetValue(tls)), 0x5000)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SUCCESS), "TlsGetValue clears the last error when it succeeds")
            let worker = startThread {
                XCTAssertNil(TlsGetValue(tls), "another thread's value starts NULL")
                XCTAssertEqual(GetLastError(), DWORD(ERROR_SUCCESS))
                TlsSetValue(tls, UnsafeMutableRawPointer(bitPattern: 0x6000))
                return 0
            }
            WaitForSingleObject(worker, INFINITE)
            CloseHandle(worker)
            XCTAssertEqual(UInt(bitPattern: TlsGetValue(tls)), 0x5000)
            XCTAssertTrue(TlsFree(tls))
            XCTAssertNil(TlsGetValue(tls))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertFalse(TlsFree(tls))
            XCTAssertFalse(TlsSetValue(77, nil))
        }
    }

    /// FlsFree calls the slot's callback with every thread's non-NULL value (its documentation),
    /// in thread-id order here.
    func testFlsFreeCallsTheDestructorForEachThreadsValue() {
        freed = Freed()
        let sim = checkedSimulation()
        sim.run {
            let key = FlsAlloc(destructor)
            XCTAssertNotEqual(key, FLS_OUT_OF_INDEXES)
            FlsSetValue(key, UnsafeMutableRawPointer(bitPattern: 0x7000))
            let worker = startThread {
                FlsSetValue(key, UnsafeMutableRawPointer(bitPattern: 0x8000))
                XCTAssertEqual(UInt(bitPattern: FlsGetValue(key)), 0x8000)
                return 0
            }
            WaitForSingleObject(worker, INFINITE)
            CloseHandle(worker)
            let dwResult: Bool = FlsFree(key)
            XCTAssertTrue(dwResult)
            XCTAssertFalse(FlsFree(key))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
        }
        XCTAssertEqual(freed.values, [0x7000, 0x8000])
    }

    /// swift-nio's thread bootstrap: the thread duplicates its pseudo-handle into a real one,
    /// names itself, and compares handles to know whether it is the current thread.
    func testThreadNamesAndHandleComparison() {
        let sim = checkedSimulation()
        sim.run {
            var realHandle: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), GetCurrentThread(), GetCurrentProcess(), &realHandle, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS)))
            XCTAssertTrue(CompareObjectHandles(realHandle, GetCurrentThread()))
            XCTAssertFalse(CompareObjectHandles(realHandle, GetCurrentProcess()))
            XCTAssertFalse(CompareObjectHandles(realHandle, HANDLE(bitPattern: 0x7770)))

            var pszBuffer: PWSTR?
            XCTAssertEqual(GetThreadDescription(realHandle, &pszBuffer), S_OK)
            XCTAssertEqual(pszBuffer.map { String(decodingCString: $0, as: UTF16.self) }, "")
            LocalFree(pszBuffer)
            _ = "NIO-ELT-0-#0".withCString(encodedAs: UTF16.self) { SetThreadDescription(realHandle, $0) }
            XCTAssertEqual(GetThreadDescription(realHandle, &pszBuffer), S_OK)
            XCTAssertEqual(pszBuffer.map { String(decodingCString: $0, as: UTF16.self) }, "NIO-ELT-0-#0")
            LocalFree(pszBuffer)
            XCTAssertEqual(GetThreadDescription(HANDLE(bitPattern: 0x7770), &pszBuffer), HRESULT(bitPattern: 0x8007_0006))
            CloseHandle(realHandle)

            // timeGetTime and GetTickCount count virtual milliseconds, as NIO's ConditionLock
            // measures its timeouts.
            let start = timeGetTime()
            Sleep(25)
            XCTAssertEqual(timeGetTime() - start, 25)
            XCTAssertEqual(GetTickCount(), 25)
        }
    }
}
