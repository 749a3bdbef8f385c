// Account lookup and SID strings (winnt.h, winbase.h, sddl.h, userenv.h): what
// LookupAccountNameW reports an account as, as Microsoft documents SID_NAME_USE.
#ifndef CWIN32_ACCOUNT_LOOKUP_H
#define CWIN32_ACCOUNT_LOOKUP_H

typedef enum _SID_NAME_USE : int {
    SidTypeUser = 1,
    SidTypeGroup,
    SidTypeDomain,
    SidTypeAlias,
    SidTypeWellKnownGroup,
    SidTypeDeletedAccount,
    SidTypeInvalid,
    SidTypeUnknown,
    SidTypeComputer,
    SidTypeLabel,
    SidTypeLogonSession
} SID_NAME_USE, *PSID_NAME_USE;

#endif
