package ui

import "github.com/komoju-tui/komoju-tui/flows"

// outcomeMessage is the sentence under a result's headline, in the
// console's language, from flows' one message table (Outcome.Say).
func (m Model) outcomeMessage(o flows.Outcome) string { return o.Say(m.t.lang) }
