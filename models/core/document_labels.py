"""The fixed words of the printed documents (dispatch note, invoice, purchase order) in Traditional and Simplified
Chinese. A document is printed in its recipient's language (Partner.locale); placeholders are str.format fields."""
from __future__ import annotations

LANGUAGES = ("zh-Hant", "zh-Hans")

# English -> (Traditional, Simplified)
LABELS: dict[str, tuple[str, str]] = {
    # shared
    "#": ("#", "#"),
    "SKU": ("SKU", "SKU"),
    "Product": ("品名", "品名"),
    "Qty": ("數量", "数量"),
    "Unit price": ("單價", "单价"),
    "Total": ("總計", "总计"),
    "Shipping": ("運費", "运费"),
    "Tax": ("稅額", "税额"),
    "Tax (incl.)": ("稅額（內含）", "税额（含）"),
    "Currency": ("幣別", "币种"),
    "Printed": ("列印時間", "打印时间"),
    "Order": ("訂單", "订单"),
    "Name / date": ("姓名／日期", "姓名／日期"),
    "Page {number} of {total}": ("第 {number} 頁，共 {total} 頁", "第 {number} 页，共 {total} 页"),
    "{time} UTC": ("{time} UTC", "{time} UTC"),
    # dispatch note
    "Dispatch note": ("出貨單", "发货单"),
    "Dispatch note {ref}": ("出貨單 {ref}", "发货单 {ref}"),
    "{company} - dispatch note {ref}": ("{company} - 出貨單 {ref}", "{company} - 发货单 {ref}"),
    "Shipment": ("出貨", "发货"),
    "Shipment {ref} - waybill pending": ("出貨 {ref} - 運單待開立", "发货 {ref} - 运单待开具"),
    "Waybill {number}": ("運單 {number}", "运单 {number}"),
    "Waybill {number} (barcode: shipment {ref})": ("運單 {number}（條碼：出貨 {ref}）", "运单 {number}（条码：发货 {ref}）"),
    "Waybill": ("運單", "运单"),
    "pending": ("待開立", "待开具"),
    "(wave {wave})": ("（第 {wave} 波次）", "（第 {wave} 波次）"),
    "Carrier": ("物流商", "物流商"),
    "Parcels": ("件數", "件数"),
    "SHIP FROM": ("寄件地", "发货地"),
    "SHIP TO": ("收貨地址", "收货地址"),
    "Supplier {code} (drop-ship)": ("供應商 {code}（直送）", "供应商 {code}（直发）"),
    "Warehouse {code}": ("倉庫 {code}", "仓库 {code}"),
    "Tel. {phone}": ("電話 {phone}", "电话 {phone}"),
    "Unit kg": ("單位重（公斤）", "单位重（千克）"),
    "Line kg": ("小計重（公斤）", "小计重（千克）"),
    "(not in catalogue)": ("（不在商品目錄中）", "（不在商品目录中）"),
    "No lines on this shipment.": ("此出貨沒有明細。", "此发货没有明细。"),
    "Order subtotal": ("訂單小計", "订单小计"),
    "Order total": ("訂單總計", "订单总计"),
    "Packed by": ("包裝人", "包装人"),
    "Checked by": ("檢查人", "检查人"),
    "Received by carrier": ("物流商簽收", "物流商签收"),
    # invoice
    "Invoice": ("發票", "发票"),
    "Invoice {number}": ("發票 {number}", "发票 {number}"),
    "{company} - invoice {number}": ("{company} - 發票 {number}", "{company} - 发票 {number}"),
    "Issued {date}": ("開立日期 {date}", "开具日期 {date}"),
    "Due {date}": ("到期日 {date}", "到期日 {date}"),
    "Paid": ("已付款", "已付款"),
    "Open": ("未付款", "未付款"),
    "CUSTOMER": ("客戶", "客户"),
    "Customer {code}": ("客戶 {code}", "客户 {code}"),
    "REFERENCE": ("參考", "参考"),
    "Opening balance": ("期初餘額", "期初余额"),
    "Order {ref}": ("訂單 {ref}", "订单 {ref}"),
    "Order #{id}": ("訂單 #{id}", "订单 #{id}"),
    "Currency {code}": ("幣別 {code}", "币种 {code}"),
    "Description": ("品名", "品名"),
    "Amount": ("金額", "金额"),
    "Subtotal": ("小計", "小计"),
    "Balance due": ("應付餘額", "应付余额"),
    # purchase order
    "Purchase order": ("採購單", "采购单"),
    "Purchase order (drop-ship)": ("採購單（直送）", "采购单（直发）"),
    "Purchase order {number}": ("採購單 {number}", "采购单 {number}"),
    "{company} - purchase order {number} rev. {revision}": ("{company} - 採購單 {number} 第 {revision} 版",
                                                             "{company} - 采购单 {number} 第 {revision} 版"),
    "Revision {revision} - {status}": ("第 {revision} 版 - {status}", "第 {revision} 版 - {status}"),
    "Ordered": ("訂購日期", "订购日期"),
    "Deliver by": ("交貨期限", "交货期限"),
    "Sent": ("寄出日期", "发送日期"),
    "not yet": ("尚未寄出", "尚未发送"),
    "Answer by": ("回覆期限", "回复期限"),
    "SUPPLIER": ("供應商", "供应商"),
    "DELIVER TO": ("交貨地址", "交货地址"),
    "Line total": ("小計", "小计"),
    "Conf.": ("確認數", "确认数"),
    "Promised": ("承諾交期", "承诺交期"),
    "NOTE": ("備註", "备注"),
}


def translate_label(text: str, language: str) -> str:
    """``text`` in ``language`` ("zh-Hant", "zh-Hans"); English for any other language or an unknown label
    (tests/models/core/test_document_labels.py checks every label the documents use is here)."""
    if language not in LANGUAGES or text not in LABELS:
        return text
    return LABELS[text][LANGUAGES.index(language)]
