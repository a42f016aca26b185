window.YTD.note_tweet.part0 = [
  {
    "noteTweet" : {
      "noteTweetId" : "1657435576111111111",
      "updatedAt" : "2023-05-13T19:00:00.000Z",
      "lifecycle" : {
        "value" : "2",
        "name" : "Active",
        "originalValue" : "2"
      },
      "core" : {
        "styletags" : [],
        "urls" : [],
        "text" : "A long update on the delivery backlog, with every region listed and what we are doing about each one, so nobody has to ask twice. Short version: we hired more drivers, we added Saturday slots, and everyone waiting more than four weeks gets a refund of the delivery fee. Details for Zürich, Malmö and Kraków follow in replies. — Kim",
        "mentions" : [],
        "cashtags" : [],
        "hashtags" : []
      },
      "createdAt" : "2023-05-13T19:00:00.000Z"
    }
  }
]