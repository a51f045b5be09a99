package transcripts

// LastState is the hash of role's state as the last of recs that names
// it gives, "" if none does.
func LastState(recs []Record, role string) string {
	for i := len(recs) - 1; i >= 0; i-- {
		if h, ok := recs[i].States[role]; ok {
			return h
		}
	}
	return ""
}
