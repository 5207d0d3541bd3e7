package ui

import (
	"strings"

	"github.com/komoju-tui/komoju-tui/flows"
	"github.com/komoju-tui/komoju-tui/flows/words"
	"github.com/komoju-tui/komoju-tui/komoju"
)

// outcomeMessage is the sentence under a result's headline. flows words it
// in English; in Japanese the console says the same from the outcome's own
// fields, keeping KOMOJU's error text (which it sends in English) as the
// reason.
func (m Model) outcomeMessage(o flows.Outcome) string {
	if m.t.lang != "ja" || o.Message == "" {
		return o.Message
	}
	if s, ok := flowsMessageJa(o.Message); ok {
		return s
	}
	amount := ""
	if p := o.Payment; p != nil {
		amount = komoju.FormatAmount(p.Total, p.Currency)
	}
	method := m.methodText(o.Payment)
	switch o.Kind {
	case flows.OutcomePaid:
		s := joinJa(amount+" の支払いが完了しました", method)
		if p := o.Payment; p != nil && p.AmountRefunded > 0 {
			// The English sentence says it too (flows' paidMessage).
			s += komoju.FormatAmount(p.AmountRefunded, p.Currency) + " を返金済み、残り " +
				komoju.FormatAmount(p.RefundableAmount(), p.Currency) + " を返金できます。"
		}
		return s
	case flows.OutcomeAwaiting:
		where := flows.StoreName(o.Store, "ja")
		due := ""
		if o.Deadline != nil {
			due = o.Deadline.In(jst()).Format("2006-01-02 15:04") + " (JST) までに"
		}
		return strings.TrimSpace(where + "で" + due + " " + amount + " のお支払いをお待ちしています。お客様に支払い方法のご案内をお渡しください。")
	case flows.OutcomeAuthorized:
		return amount + " を仮売上しました（2段階売上）。売上を確定するか、キャンセルして与信を解放してください。"
	case flows.OutcomeRedirect:
		return "お客様は次のページで支払いを完了する必要があります。リンクを開くか QR コードを表示してください。"
	case flows.OutcomeUnknown:
		return "KOMOJU からの応答が失われ、支払われたか分かりません。再度請求する前に確認してください（g で確認）。"
	case flows.OutcomeRefunded:
		return joinJa(amount+" は全額返金済みです", method)
	case flows.OutcomeCancelled:
		return "この支払いはキャンセルされました。請求はありません。"
	case flows.OutcomeExpired:
		return "お支払いの期限が切れました。請求はありません。"
	case flows.OutcomeFailed, flows.OutcomeError:
		reason := o.Message
		if o.Err != nil && o.Err.Message != "" {
			reason = o.Err.Message
		}
		if o.Err != nil {
			if ja, ok := words.Decline(o.Err.Code, "ja"); ok {
				reason = ja // KOMOJU words its decline reasons in English
			}
		}
		s := "支払われていません: " + reason
		if o.CanRetry {
			s += "（同じ取引でもう一度お試しいただけます）"
		}
		return s
	}
	return o.Message
}

// joinJa ends a Japanese sentence, naming the method when there is one.
func joinJa(sentence, method string) string {
	if method == "" {
		return sentence + "。"
	}
	return sentence + "（" + method + "）。"
}
