window.YTD.account.part0 = [
  {
    "account" : {
      "email" : "support@example.com",
      "createdVia" : "web",
      "username" : "AcmeHelp",
      "accountId" : "777",
      "createdAt" : "2010-01-05T10:00:00.000Z",
      "accountDisplayName" : "Acme Support"
    }
  }
]