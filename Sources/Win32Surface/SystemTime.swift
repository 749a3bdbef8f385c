import IOKernel

// The system time is the virtual clock: the simulation starts at 2024-01-01 00:00:00 UTC
// (IOKernel's FileTime, the clock the disk volume stamps files with), and the simulated
// machine's time zone is UTC, so local time is system time.

/// The current system time as a `FILETIME`. The corresponding Win32 function is
/// `GetSystemTimeAsFileTime`.
public func GetSystemTimeAsFileTime(_ lpSystemTimeAsFileTime: LPFILETIME!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        thread.store(fileTime(FileTime.from(thread.kernel.now)), into: lpSystemTimeAsFileTime, call: "GetSystemTimeAsFileTime")
    }
}

/// The current system time as a `FILETIME`, to the 100 ns the virtual clock resolves. The
/// corresponding Win32 function is `GetSystemTimePreciseAsFileTime`.
public func GetSystemTimePreciseAsFileTime(_ lpSystemTimeAsFileTime: LPFILETIME!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        thread.store(fileTime(FileTime.from(thread.kernel.now)), into: lpSystemTimeAsFileTime,
                     call: "GetSystemTimePreciseAsFileTime")
    }
}

/// The current system time (UTC). The corresponding Win32 function is `GetSystemTime`.
public func GetSystemTime(_ lpSystemTime: LPSYSTEMTIME!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        thread.store(systemTime(FileTime.from(thread.kernel.now)), into: lpSystemTime, call: "GetSystemTime")
    }
}

/// The current local time: the simulated machine's time zone is UTC. The corresponding Win32
/// function is `GetLocalTime`.
public func GetLocalTime(_ lpSystemTime: LPSYSTEMTIME!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        thread.store(systemTime(FileTime.from(thread.kernel.now)), into: lpSystemTime, call: "GetLocalTime")
    }
}

/// Converts a `FILETIME` to a `SYSTEMTIME` (with its day of the week). The corresponding Win32
/// function is `FileTimeToSystemTime`; a value of 0x8000000000000000 or more gives
/// `ERROR_INVALID_PARAMETER`.
@discardableResult
public func FileTimeToSystemTime(_ lpFileTime: UnsafePointer<FILETIME>!, _ lpSystemTime: LPSYSTEMTIME!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let lpFileTime, let time = thread.load(lpFileTime, call: "FileTimeToSystemTime") else {
            return thread.fail(ERROR_NOACCESS)
        }
        let value = UInt64(time.dwHighDateTime) << 32 | UInt64(time.dwLowDateTime)
        guard value < 0x8000_0000_0000_0000 else { return thread.fail(ERROR_INVALID_PARAMETER) }
        thread.store(systemTime(value), into: lpSystemTime, call: "FileTimeToSystemTime")
        return true
    }
}

/// Converts a `SYSTEMTIME` to a `FILETIME` (`wDayOfWeek` is ignored). The corresponding Win32
/// function is `SystemTimeToFileTime`; a field out of range (a year before 1601 or after 30827,
/// a day the month does not have, an hour, minute, second or millisecond too large) gives
/// `ERROR_INVALID_PARAMETER`.
@discardableResult
public func SystemTimeToFileTime(_ lpSystemTime: UnsafePointer<SYSTEMTIME>!, _ lpFileTime: LPFILETIME!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let lpSystemTime, let time = thread.load(lpSystemTime, call: "SystemTimeToFileTime") else {
            return thread.fail(ERROR_NOACCESS)
        }
        guard let value = fileTimeValue(time) else { return thread.fail(ERROR_INVALID_PARAMETER) }
        thread.store(fileTime(value), into: lpFileTime, call: "SystemTimeToFileTime")
        return true
    }
}

/// Virtual time since the simulation started, in 100 ns units (no sleep or hibernation is ever
/// simulated, so nothing is left out). The corresponding Win32 function is
/// `QueryUnbiasedInterruptTime`.
@discardableResult
public func QueryUnbiasedInterruptTime(_ UnbiasedTime: PULONGLONG!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let UnbiasedTime else { return thread.fail(ERROR_INVALID_PARAMETER) }
        thread.store(ULONGLONG(thread.kernel.now.nanoseconds / 100), into: UnbiasedTime, call: "QueryUnbiasedInterruptTime")
        return true
    }
}

/// See ``QueryUnbiasedInterruptTime(_:)``. The corresponding Win32 function is
/// `QueryUnbiasedInterruptTimePrecise`.
public func QueryUnbiasedInterruptTimePrecise(_ lpUnbiasedInterruptTimePrecise: PULONGLONG!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        thread.store(ULONGLONG(thread.kernel.now.nanoseconds / 100), into: lpUnbiasedInterruptTimePrecise,
                     call: "QueryUnbiasedInterruptTimePrecise")
    }
}

private let ticksPerDay: UInt64 = 864_000_000_000

/// The days from 1601-01-01 to the first of each month, for a common and a leap year.
private func daysBeforeMonth(_ month: Int, leap: Bool) -> Int {
    let common = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
    return common[month - 1] + (leap && month > 2 ? 1 : 0)
}

private func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

/// Days from 1601-01-01 to January 1st of `year`.
private func daysBeforeYear(_ year: Int) -> Int {
    let y = year - 1601
    return y * 365 + y / 4 - y / 100 + y / 400
}

private func systemTime(_ value: UInt64) -> SYSTEMTIME {
    let days = Int(value / ticksPerDay)
    let ticks = value % ticksPerDay
    var year = 1601 + days / 366
    while daysBeforeYear(year + 1) <= days { year += 1 }
    var dayOfYear = days - daysBeforeYear(year)
    var month = 12
    while daysBeforeMonth(month, leap: isLeap(year)) > dayOfYear { month -= 1 }
    dayOfYear -= daysBeforeMonth(month, leap: isLeap(year))
    var time = SYSTEMTIME()
    time.wYear = WORD(year)
    time.wMonth = WORD(month)
    time.wDay = WORD(dayOfYear + 1)
    time.wDayOfWeek = WORD((days + 1) % 7)  // 1601-01-01 was a Monday
    time.wHour = WORD(ticks / 36_000_000_000)
    time.wMinute = WORD(ticks / 600_000_000 % 60)
    time.wSecond = WORD(ticks / 10_000_000 % 60)
    time.wMilliseconds = WORD(ticks / 10_000 % 1000)
    return time
}

private func fileTimeValue(_ time: SYSTEMTIME) -> UInt64? {
    let year = Int(time.wYear), month = Int(time.wMonth), day = Int(time.wDay)
    guard (1601...30827).contains(year), (1...12).contains(month), day >= 1, time.wHour < 24, time.wMinute < 60,
          time.wSecond < 60, time.wMilliseconds < 1000
    else { return nil }
    let monthLength = (month == 12 ? 31 : daysBeforeMonth(month + 1, leap: isLeap(year))) - daysBeforeMonth(month, leap: isLeap(year))
    guard day <= monthLength else { return nil }
    let days = UInt64(daysBeforeYear(year) + daysBeforeMonth(month, leap: isLeap(year)) + day - 1)
    return days * ticksPerDay + UInt64(time.wHour) * 36_000_000_000 + UInt64(time.wMinute) * 600_000_000
        + UInt64(time.wSecond) * 10_000_000 + UInt64(time.wMilliseconds) * 10_000
}
