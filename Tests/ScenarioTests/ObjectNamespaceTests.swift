import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Where a named event, job or file mapping lives (Microsoft's "Kernel object namespaces"): a
/// process of a client session names objects in its session's namespace by default, "Local\"
/// names that namespace explicitly, "Global\" the global one, and "These keywords are case
/// sensitive"; a name that goes through any other directory fails as the object manager fails
/// to find the directory, ERROR_PATH_NOT_FOUND (as Wine's virtual.c test_MapViewOfFile finds
/// a "Local\" name fail on NT 4, which had no such directory).
final class ObjectNamespaceTests: XCTestCase {
    private func result(_ handle: HANDLE?) -> String {
        handle == nil ? "NULL \(win32ErrorName(GetLastError()))" : "handle \(win32ErrorName(GetLastError()))"
    }

    func testLocalNamesTheSessionNamespaceAndGlobalAnotherOne() {
        let sim = checkedSimulation()
        var steps: [String] = []
        sim.run {
            var handles: [HANDLE?] = []
            func step(_ label: String, _ handle: HANDLE?) {
                steps.append("\(label) \(result(handle))")
                handles.append(handle)
            }
            let local = CreateEventA(nil, true, false, #"Local\ready"#)
            step(#"CreateEvent Local\ready"#, local)
            let plain = CreateEventA(nil, true, false, "ready")
            step("CreateEvent ready", plain)
            SetEvent(local)
            steps.append("ready is signalled through Local\\ready: \(WaitForSingleObject(plain, 0) == WAIT_OBJECT_0)")
            let global = CreateEventA(nil, true, false, #"Global\ready"#)
            step(#"CreateEvent Global\ready"#, global)
            steps.append("Global\\ready is another event: \(WaitForSingleObject(global, 0) == WAIT_TIMEOUT)")
            step(#"CreateEvent local\ready"#, CreateEventA(nil, true, false, #"local\ready"#))
            step(#"CreateEvent Foo\Bar"#, CreateEventA(nil, true, false, #"Foo\Bar"#))
            step(#"CreateJobObject Local\jobs"#, CreateJobObjectA(nil, #"Local\jobs"#))
            step("CreateJobObject jobs", CreateJobObjectA(nil, "jobs"))
            step(#"CreateJobObject Foo\jobs"#, CreateJobObjectA(nil, #"Foo\jobs"#))
            step(#"CreateFileMapping Local\shm"#, CreateFileMappingA(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 4096, #"Local\shm"#))
            step("OpenFileMapping shm", OpenFileMappingA(DWORD(FILE_MAP_READ), false, "shm"))
            step(#"OpenFileMapping Global\shm"#, OpenFileMappingA(DWORD(FILE_MAP_READ), false, #"Global\shm"#))
            step(#"OpenFileMapping Local\Foo\shm"#, OpenFileMappingA(DWORD(FILE_MAP_READ), false, #"Local\Foo\shm"#))
            step(#"CreateFileMapping Foo\shm"#, CreateFileMappingA(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 4096, #"Foo\shm"#))
            for case let handle? in handles { CloseHandle(handle) }
        }
        XCTAssertEqual(steps, [
            #"CreateEvent Local\ready handle ERROR_SUCCESS"#,
            "CreateEvent ready handle ERROR_ALREADY_EXISTS",
            #"ready is signalled through Local\ready: true"#,
            #"CreateEvent Global\ready handle ERROR_SUCCESS"#,
            #"Global\ready is another event: true"#,
            #"CreateEvent local\ready NULL ERROR_PATH_NOT_FOUND"#,
            #"CreateEvent Foo\Bar NULL ERROR_PATH_NOT_FOUND"#,
            #"CreateJobObject Local\jobs handle ERROR_SUCCESS"#,
            "CreateJobObject jobs handle ERROR_ALREADY_EXISTS",
            #"CreateJobObject Foo\jobs NULL ERROR_PATH_NOT_FOUND"#,
            #"CreateFileMapping Local\shm handle ERROR_SUCCESS"#,
            "OpenFileMapping shm handle ERROR_SUCCESS",
            #"OpenFileMapping Global\shm NULL ERROR_FILE_NOT_FOUND"#,
            #"OpenFileMapping Local\Foo\shm NULL ERROR_PATH_NOT_FOUND"#,
            #"CreateFileMapping Foo\shm NULL ERROR_PATH_NOT_FOUND"#,
        ])
    }
}
