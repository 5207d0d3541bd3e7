package words

// sayTable is the sentences under a result's headline (flows.Outcome.Say):
// one id per sentence, English and Japanese side by side. The English ones
// are byte for byte what Outcome.Message has always carried, so JSON
// output does not change.
func sayTable() []Entry {
	return []Entry{
		{"say_paid", "Paid %s%s.", "%s の支払いが完了しました%s。"},
		{"say_paid_refunded_part", " %s has been refunded; %s can still be refunded.", "%s を返金済み、残り %s を返金できます。"},
		{"say_by_card", " by %s", "（%s）"},
		{"say_with_method", " with %s", "（%s）"},
		{"say_awaiting", "Waiting for the customer to pay %[1]s %[2]s%[3]s. Give them the payment instructions.",
			"%[2]s%[3]s %[1]s のお支払いをお待ちしています。お客様に支払い方法のご案内をお渡しください。"},
		{"say_at_store", "at %s", "%sで"},
		{"say_at_bank", "at the bank", "銀行振込で"},
		{"say_at_payeasy", "through Pay-easy (ATM or online banking)", "Pay-easy (ATM・ネットバンキング) で"},
		{"say_at_konbini", "at the convenience store", "コンビニで"},
		{"say_by_deadline", " by %s JST", "%s (JST) までに"},
		{"say_authorized", "Authorized %s%s (Two-Step Capture). Capture it to take the money, or cancel to release it.",
			"%s を仮売上しました%s（2段階売上）。売上を確定するか、キャンセルして与信を解放してください。"},
		{"say_redirect_started", "Payment of %s started; waiting for the customer to confirm it.",
			"%s の支払いを開始しました。お客様の確認をお待ちしています。"},
		{"say_redirect_3ds", "The card needs 3D Secure: the customer must confirm %s on the card issuer's page. Open the link or show the QR code.",
			"カードに 3-Dセキュアが必要です。お客様がカード会社のページで %s を承認する必要があります。リンクを開くか QR コードを表示してください。"},
		{"say_redirect_app", "The customer must approve %s%s in their app. Open the link or show the QR code.",
			"お客様がアプリで %s%s を承認する必要があります。リンクを開くか QR コードを表示してください。"},
		{"say_refunded", "Refunded in full (%s).", "全額返金済みです（%s）。"},
		{"say_cancelled", "Cancelled: %s was not charged.", "キャンセルされました。%s は請求されていません。"},
		{"say_expired", "Expired: %s was not paid in time.", "期限切れです。%s は期限内に支払われませんでした。"},
		{"say_failed", "Failed: %s%s was not charged. The customer can try again.", "失敗しました。%s%s は請求されていません。お客様はもう一度お試しいただけます。"},
		{"say_status_unknown", "The payment is in status %q, which this till does not know. Refresh or check the KOMOJU dashboard.",
			"この支払いのステータス %q はこのレジでは扱えません。更新するか KOMOJU の管理画面を確認してください。"},
		{"say_not_paid", "Not paid: %s", "支払われていません: %s"},
		{"say_retry_same_sale", " (the customer can try again on the same sale)", "（同じ取引でもう一度お試しいただけます）"},
		{"say_unknown", "KOMOJU's answer was lost, so it is not known whether the customer was charged. Check before charging again (g checks).",
			"KOMOJU からの応答が失われ、支払われたか分かりません。再度請求する前に確認してください（g で確認）。"},
		// Without the payment (not read yet): the sentence without amount.
		{"say_paid_nopay", "Paid.", "支払いが完了しました。"},
		{"say_awaiting_nopay", "Waiting for the customer to pay. Give them the payment instructions.", "お支払いをお待ちしています。お客様に支払い方法のご案内をお渡しください。"},
		{"say_authorized_nopay", "Authorized (Two-Step Capture). Capture it to take the money, or cancel to release it.",
			"仮売上しました（2段階売上）。売上を確定するか、キャンセルして与信を解放してください。"},
		{"say_redirect_nopay", "The customer must finish paying on the next page. Open the link or show the QR code.",
			"お客様は次のページで支払いを完了する必要があります。リンクを開くか QR コードを表示してください。"},
		{"say_refunded_nopay", "Refunded in full.", "全額返金済みです。"},
		{"say_cancelled_nopay", "This payment was cancelled. Nothing was charged.", "この支払いはキャンセルされました。請求はありません。"},
		{"say_expired_nopay", "The payment expired. Nothing was charged.", "お支払いの期限が切れました。請求はありません。"},
		// Fixed sentences flows sets as Outcome.Message (direct3ds.go,
		// scanned.go); found by their English text.
		{"msg_3ds_authenticate", "The customer must confirm the payment with their card issuer (3-D Secure). Open the link or let them scan the QR code; nothing is charged until they have.",
			"お客様がカード会社で本人認証 (3-Dセキュア) を行う必要があります。リンクを開くか QR コードを読み取ってもらってください。認証が終わるまで請求はされません。"},
		{"msg_3ds_failed", "3-D Secure failed or was cancelled by the customer. Nothing was charged; try again or ask for another card.",
			"3-Dセキュアの認証に失敗したか、お客様が中止しました。請求はありません。もう一度お試しいただくか、別のカードをお願いしてください。"},
		{"msg_3ds_abandoned", "3-D Secure was not finished (stopped at the till). Nothing was charged.", "3-Dセキュアが完了しませんでした (レジで中止)。請求はありません。"},
		{"msg_scan_low_balance", "PayPay declined: the customer's PayPay balance is too low. Nothing was charged; ask them to top up or pay another way.",
			"PayPay の残高が不足しています。請求はありません。お客様にチャージしていただくか、別の支払い方法をお願いしてください。"},
		{"msg_scan_expired", "This PayPay code has expired or could not be used. Nothing was charged; ask the customer to refresh the code in the app and scan it again.",
			"この PayPay コードは期限切れか使えません。請求はありません。お客様にアプリでコードを更新していただき、もう一度読み取ってください。"},
		{"msg_scan_declined", "PayPay declined the payment. Nothing was charged; ask the customer to pay another way.", "PayPay で決済できませんでした。請求はありません。別の支払い方法をお願いしてください。"},
	}
}
