// DeviceIoControl's control codes: the device types, transfer methods and access values that
// CTL_CODE combines (winioctl.h / devioctl.h, as Microsoft's "Defining I/O Control Codes"
// documents them). CTL_CODE itself is a function-like macro, which Swift does not import from
// WinSDK either: Windows Swift code computes its codes itself,
// (DeviceType << 16) | (Access << 14) | (Function << 2) | Method.
#ifndef CWIN32_DEVICE_CONTROL_H
#define CWIN32_DEVICE_CONTROL_H

#define FILE_DEVICE_DISK 0x00000007
#define FILE_DEVICE_FILE_SYSTEM 0x00000009
#define FILE_DEVICE_NAMED_PIPE 0x00000011
#define FILE_DEVICE_NULL 0x00000015
#define FILE_DEVICE_UNKNOWN 0x00000022

#define METHOD_BUFFERED 0
#define METHOD_IN_DIRECT 1
#define METHOD_OUT_DIRECT 2
#define METHOD_NEITHER 3

#define FILE_ANY_ACCESS 0
#define FILE_SPECIAL_ACCESS (FILE_ANY_ACCESS)
#define FILE_READ_ACCESS (0x0001)
#define FILE_WRITE_ACCESS (0x0002)

#endif
