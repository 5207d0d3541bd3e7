package ui

import "github.com/komoju-tui/komoju-tui/flows"

// outcomeMessage is the sentence under a result's headline, in the
// console's language, from flows' one message table (Outcome.Say).
func (c common) outcomeMessage(o flows.Outcome) string { return o.Say(c.t.lang) }
