// The CWin32 target only declares types and macros (see include/CWin32.h); SwiftPM needs one
// source file to build a C target.
