package record

// HeldByLocation is the value of an asset's held_by that makes its
// location its holder (a meeting-room display, a kiosk, a lab machine).
const HeldByLocation = "location"

// Holder says who holds an asset: a person (its owner), its location
// (held_by: location) or another asset (attached_to).
type Holder struct {
	Kind string // "person", "location", "asset" or "" (no holder)
	ID   string // the person's email, the location's id or the asset's id
}

// HolderOf is who holds a. An asset attached to another is held by that
// asset; one held by its location by the location; otherwise by its
// owner, if it has one.
func HolderOf(a *Asset) Holder {
	switch {
	case a.AttachedTo != "":
		return Holder{Kind: "asset", ID: a.AttachedTo}
	case a.HeldBy == HeldByLocation:
		return Holder{Kind: "location", ID: a.Location}
	case a.Owner != "":
		return Holder{Kind: "person", ID: a.Owner}
	}
	return Holder{}
}

// Accountable is the person (or team) accountable for a: its owner; for
// an asset held by its location, the location's contact; for an asset
// attached to another, that asset's accountable owner. It is "" when the
// chain ends without one (a missing record, a location without a
// contact, a cycle of attachments: the rules report those).
func (e *Estate) Accountable(a *Asset) string {
	seen := 0
	for a != nil && seen <= len(e.Assets) {
		seen++
		h := HolderOf(a)
		switch h.Kind {
		case "person":
			return h.ID
		case "location":
			if l := e.Locations[h.ID]; l != nil {
				return l.Contact
			}
			return ""
		case "asset":
			a = e.Assets[h.ID]
		default:
			return a.Owner
		}
	}
	return ""
}

// User is the person who uses a: its owner, or the owner of the asset it
// is attached to (directly or not). An asset held by a location has no
// one user (a kiosk, a meeting-room display): User is "" for it, and a
// per-user licence counts it as a device of its own.
func (e *Estate) User(a *Asset) string {
	for seen := 0; a != nil && seen <= len(e.Assets); seen++ {
		h := HolderOf(a)
		switch h.Kind {
		case "person":
			return h.ID
		case "asset":
			a = e.Assets[h.ID]
		default:
			return ""
		}
	}
	return ""
}
