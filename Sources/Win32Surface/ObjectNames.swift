import IOKernel

/// Creates a named kernel object, or an unnamed one for a nil name, through `create`, which is
/// given the name's key in the object namespace (IOKernel's ObjectManager/ObjectNamespace.swift:
/// `Local\` dropped, `Global\` kept). A name through a directory that does not exist fails
/// before anything is created, as the object manager fails to find the directory:
/// `STATUS_OBJECT_PATH_NOT_FOUND` (`ERROR_PATH_NOT_FOUND`).
func createNamedObject(_ name: String?, _ create: (String?) -> (NTStatus, UInt, Bool)) -> (NTStatus, UInt, Bool) {
    guard let name else { return create(nil) }
    guard let key = ObjectNamespace.key(for: name) else { return (.objectPathNotFound, 0, false) }
    return create(key)
}
