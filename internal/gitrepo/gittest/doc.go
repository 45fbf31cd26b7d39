// Package gittest makes real git repositories for tests, with go-git (no
// git CLI needed): a working tree, files staged, commits with a chosen
// author, time, parents and OpenPGP signature. It lives under gitrepo so
// that no other package imports go-git; only tests import it.
//
// It imports go-git and the standard library.
package gittest
