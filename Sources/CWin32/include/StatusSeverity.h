// The severity field of an NTSTATUS (bits 30-31), as ntdef.h names its values: code that builds
// its own status codes (swift-testing's exit codes for signals) combines them with the
// facility and the code.
#ifndef CWIN32_STATUS_SEVERITY_H
#define CWIN32_STATUS_SEVERITY_H

#define STATUS_SEVERITY_SUCCESS 0x0
#define STATUS_SEVERITY_INFORMATIONAL 0x1
#define STATUS_SEVERITY_WARNING 0x2
#define STATUS_SEVERITY_ERROR 0x3

#endif
