package load

// ParsePlain exposes the plain-style parser to the tests of package load_test.
var ParsePlain = parsePlain
