#if !os(Windows)
// The Universal CRT's "POSIX supplement" of errno.h: the values its errno.h gives these names
// (100-140, not Linux's: ELOOP is 114), for code that compares errno with them.

public let EADDRINUSE: Int32 = 100
public let EADDRNOTAVAIL: Int32 = 101
public let EAFNOSUPPORT: Int32 = 102
public let EALREADY: Int32 = 103
public let EBADMSG: Int32 = 104
public let ECANCELED: Int32 = 105
public let ECONNABORTED: Int32 = 106
public let ECONNREFUSED: Int32 = 107
public let ECONNRESET: Int32 = 108
public let EDESTADDRREQ: Int32 = 109
public let EHOSTUNREACH: Int32 = 110
public let EIDRM: Int32 = 111
public let EINPROGRESS: Int32 = 112
public let EISCONN: Int32 = 113
public let ELOOP: Int32 = 114
public let EMSGSIZE: Int32 = 115
public let ENETDOWN: Int32 = 116
public let ENETRESET: Int32 = 117
public let ENETUNREACH: Int32 = 118
public let ENOBUFS: Int32 = 119
public let ENODATA: Int32 = 120
public let ENOLINK: Int32 = 121
public let ENOMSG: Int32 = 122
public let ENOPROTOOPT: Int32 = 123
public let ENOSR: Int32 = 124
public let ENOSTR: Int32 = 125
public let ENOTCONN: Int32 = 126
public let ENOTRECOVERABLE: Int32 = 127
public let ENOTSOCK: Int32 = 128
public let ENOTSUP: Int32 = 129
public let EOPNOTSUPP: Int32 = 130
public let EOTHER: Int32 = 131
public let EOVERFLOW: Int32 = 132
public let EOWNERDEAD: Int32 = 133
public let EPROTO: Int32 = 134
public let EPROTONOSUPPORT: Int32 = 135
public let EPROTOTYPE: Int32 = 136
public let ETIME: Int32 = 137
public let ETIMEDOUT: Int32 = 138
public let ETXTBSY: Int32 = 139
public let EWOULDBLOCK: Int32 = 140
#endif
