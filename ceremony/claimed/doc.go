// Package claimed is PEP 480's claims ceremony: the administrators take
// maintainers' claim requests in and sign the next version of the claimed
// role, adding the projects accepted (and changing the keys of projects
// rekeyed). Init reviews every request (package claims verifies each) and
// makes the workspace; its bundle carries the requests, their review and
// the list of accepted projects for the online side.
package claimed
