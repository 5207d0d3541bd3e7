package words

// receiptTable is the printed receipt's words (flows/receipt), looked up
// by id only ("slip_"), as "Total" and "Status" also name things on
// screen. The Japanese follows a Japanese shop's receipt (レシート):
// 小計, 消費税, 合計, お預り/返金.
func receiptTable() []Entry {
	return []Entry{
		{"slip_receipt", "RECEIPT", "レシート"},
		{"slip_mark_note", "TEST SALE - NO MONEY MOVED", "テスト取引のため請求はありません"},
		{"slip_tel", "Tel", "TEL"},
		{"slip_date", "Date", "日時"},
		{"slip_till", "Till", "レジ"},
		{"slip_order", "Order", "注文番号"},
		{"slip_sale", "Sale", "お買上げ"},
		{"slip_subtotal", "Subtotal", "小計"},
		{"slip_tax", "Tax", "消費税"},
		{"slip_fee", "Payment fee", "決済手数料"},
		{"slip_total", "TOTAL", "合計"},
		{"slip_method", "Paid by", "お支払い"},
		{"slip_store", "Store", "コンビニ"},
		{"slip_receipt_number", "Receipt no.", "受付番号"},
		{"slip_payment_id", "Payment id", "決済ID"},
		{"slip_status", "Status", "状態"},
		{"slip_authorized", "authorized (not captured)", "仮売上 (売上未確定)"},
		{"slip_refund", "Refund", "返金"},
		{"slip_net", "NET", "差引合計"},
		{"slip_thank_you", "Thank you!", "ありがとうございました"},
		// The console's and the receipt command's status lines.
		{"slip_saved", "Receipt saved to %s", "レシートを保存しました: %s"},
		{"slip_save_failed", "Could not save the receipt", "レシートを保存できませんでした"},
		{"slip_printed", "Receipt sent to the printer %s", "レシートをプリンター %s に送りました"},
		{"slip_print_failed", "Printing failed", "印刷できませんでした"},
		{"slip_sent_lp", "Sent to the printer: %s", "プリンターに送りました: %s"},
		{"slip_printing", "Printing the receipt on %s…", "プリンター %s で印刷中…"},
	}
}
